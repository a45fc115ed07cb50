package imapserver

import (
	"sort"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/internal/imapwire"
)

// QuotaResourceData contains the usage and limit for a quota resource.
type QuotaResourceData struct {
	Usage int64
	Limit int64
}

// QuotaData is the data of a QUOTA response: the usage and limits of a
// quota root. A resource missing from Resources is not limited (RFC 9208
// section 4.2.1), so a root without resources has no limits.
type QuotaData struct {
	Root      string
	Resources map[imap.QuotaResourceType]QuotaResourceData
}

// SessionQuota is an IMAP session which supports QUOTA (RFC 9208). The
// server advertises QUOTA when Options.Caps has imap.CapQuota and the
// session implements this interface. SETQUOTA is refused: QUOTASET is not
// supported.
type SessionQuota interface {
	Session

	// QuotaResources returns the resource types the session's quota roots
	// can limit, advertised as QUOTA=RES-<type> once authenticated.
	QuotaResources() []imap.QuotaResourceType
	// GetQuota returns the usage and limits of a quota root.
	GetQuota(root string) (*QuotaData, error)
	// GetQuotaRoot returns the quota roots of a mailbox and the usage
	// and limits of each.
	GetQuotaRoot(mailbox string) ([]string, []*QuotaData, error)
}

func (c *Conn) handleGetQuota(dec *imapwire.Decoder) error {
	var root string
	if !dec.ExpectSP() || !dec.ExpectAString(&root) || !dec.ExpectCRLF() {
		return dec.Err()
	}
	session, err := c.quotaSession()
	if err != nil {
		return err
	}
	data, err := session.GetQuota(root)
	if err != nil {
		return err
	}
	return c.writeQuota(data)
}

func (c *Conn) handleGetQuotaRoot(dec *imapwire.Decoder) error {
	var mailbox string
	if !dec.ExpectSP() || !dec.ExpectMailbox(&mailbox) || !dec.ExpectCRLF() {
		return dec.Err()
	}
	session, err := c.quotaSession()
	if err != nil {
		return err
	}
	roots, quotas, err := session.GetQuotaRoot(mailbox)
	if err != nil {
		return err
	}

	if err := c.writeQuotaRoot(mailbox, roots); err != nil {
		return err
	}
	for _, data := range quotas {
		if err := c.writeQuota(data); err != nil {
			return err
		}
	}
	return nil
}

// handleSetQuota parses SETQUOTA (RFC 9208 section 4.1.3) and refuses it:
// without QUOTASET, limits are the administrator's to set.
func (c *Conn) handleSetQuota(dec *imapwire.Decoder) error {
	var root string
	if !dec.ExpectSP() || !dec.ExpectAString(&root) || !dec.ExpectSP() {
		return dec.Err()
	}
	err := dec.ExpectList(func() error {
		var (
			name  string
			limit int64
		)
		if !dec.ExpectAtom(&name) || !dec.ExpectSP() || !dec.ExpectNumber64(&limit) {
			return dec.Err()
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !dec.ExpectCRLF() {
		return dec.Err()
	}
	if _, err := c.quotaSession(); err != nil {
		return err
	}
	return &imap.Error{
		Type: imap.StatusResponseTypeNo,
		Code: imap.ResponseCodeNoPerm,
		Text: "Quotas are set by the administrator",
	}
}

func (c *Conn) quotaSession() (SessionQuota, error) {
	if err := c.checkState(imap.ConnStateAuthenticated); err != nil {
		return nil, err
	}
	session, ok := c.session.(SessionQuota)
	if !ok || !c.server.options.caps().Has(imap.CapQuota) {
		return nil, newClientBugError("QUOTA is not supported")
	}
	return session, nil
}

// quotaCaps returns QUOTA and its QUOTA=RES-* capabilities (RFC 9208
// section 3.1), if the server and the session support them.
func (c *Conn) quotaCaps() []imap.Cap {
	session, ok := c.session.(SessionQuota)
	if !ok || !c.server.options.caps().Has(imap.CapQuota) {
		return nil
	}
	caps := []imap.Cap{imap.CapQuota}
	for _, res := range session.QuotaResources() {
		caps = append(caps, imap.Cap("QUOTA=RES-"+strings.ToUpper(string(res))))
	}
	return caps
}

func (c *Conn) writeQuotaRoot(mailbox string, roots []string) error {
	enc := newResponseEncoder(c)
	defer enc.end()
	enc.Atom("*").SP().Atom("QUOTAROOT").SP().Mailbox(mailbox)
	for _, root := range roots {
		enc.SP().String(root)
	}
	return enc.CRLF()
}

// writeQuota writes a QUOTA response, its resources sorted by name so
// that the response does not vary.
func (c *Conn) writeQuota(data *QuotaData) error {
	types := make([]imap.QuotaResourceType, 0, len(data.Resources))
	for typ := range data.Resources {
		types = append(types, typ)
	}
	sort.Slice(types, func(i, j int) bool { return types[i] < types[j] })

	enc := newResponseEncoder(c)
	defer enc.end()
	enc.Atom("*").SP().Atom("QUOTA").SP().String(data.Root).SP()
	enc.List(len(types), func(i int) {
		res := data.Resources[types[i]]
		enc.Atom(string(types[i])).SP().Number64(res.Usage).SP().Number64(res.Limit)
	})
	return enc.CRLF()
}
