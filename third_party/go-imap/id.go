package imap

// IDData is the data of an ID command or response (RFC 2971).
type IDData struct {
	Name        string
	Version     string
	OS          string
	OSVersion   string
	Vendor      string
	SupportURL  string
	Address     string
	Date        string
	Command     string
	Arguments   string
	Environment string

	// Raw holds every field received, keyed in lower case, including
	// those without a field above (RFC 2971 section 3.3 allows others).
	Raw map[string]string
}
