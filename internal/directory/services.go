package directory

import (
	"fmt"
	"strings"
)

// Services is a set of the services an account may use.
type Services uint8

// Services.
const (
	ServiceSMTP Services = 1 << iota
	ServiceSubmission
	ServiceLMTP
	ServiceIMAP
	ServicePOP3

	// AllServices is every service, the server default.
	AllServices = ServiceSMTP | ServiceSubmission | ServiceLMTP | ServiceIMAP | ServicePOP3
)

var serviceNames = [...]string{"smtp", "submission", "lmtp", "imap", "pop3"}

// Has reports whether every service in x is in s.
func (s Services) Has(x Services) bool { return s&x == x }

// String returns the names joined by commas ("smtp,imap"), or "none".
func (s Services) String() string {
	var names []string
	for i, n := range serviceNames {
		if s&(1<<i) != 0 {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ",")
}

// ParseServices parses a list of service names separated by commas or
// spaces; "all" is every service and "none" or "" is the empty set.
func ParseServices(s string) (Services, error) {
	var set Services
	for name := range strings.FieldsFuncSeq(strings.ToLower(s), func(r rune) bool { return r == ',' || r == ' ' }) {
		switch name {
		case "all":
			set |= AllServices
			continue
		case "none":
			continue
		}
		found := false
		for i, n := range serviceNames {
			if n == name {
				set |= 1 << i
				found = true
			}
		}
		if !found {
			return 0, fmt.Errorf("%w: unknown service %q", ErrInvalid, name)
		}
	}
	return set, nil
}

// MarshalText encodes s as String does.
func (s Services) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText decodes what MarshalText encoded.
func (s *Services) UnmarshalText(b []byte) error {
	v, err := ParseServices(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}
