package imapserver

import (
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/internal/imapwire"
)

// Limits of RFC 2971 section 3.3 on what a client sends in ID.
const (
	maxIDFields    = 30
	maxIDFieldSize = 30
	maxIDValueSize = 1024
)

// SessionID is an IMAP session which supports ID (RFC 2971).
type SessionID interface {
	Session

	// ID receives the client's identification (nil for "ID NIL") and
	// returns the server's; nil answers "* ID NIL". It is valid in every
	// state.
	ID(clientID *imap.IDData) *imap.IDData
}

func (c *Conn) handleID(dec *imapwire.Decoder) error {
	if !dec.ExpectSP() {
		return dec.Err()
	}
	clientID, err := readID(dec)
	if err != nil {
		return err
	}
	if !dec.ExpectCRLF() {
		return dec.Err()
	}

	var serverID *imap.IDData
	if session, ok := c.session.(SessionID); ok {
		serverID = session.ID(clientID)
	}

	return c.writeID(serverID)
}

// readID reads an id-params-list: NIL, or a list of field and value
// pairs, within the limits of RFC 2971 section 3.3. It returns nil for
// NIL.
func readID(dec *imapwire.Decoder) (*imap.IDData, error) {
	var atom string
	if dec.Atom(&atom) {
		if !dec.Expect(strings.EqualFold(atom, "NIL"), "NIL") {
			return nil, dec.Err()
		}
		return nil, nil
	}

	data := &imap.IDData{Raw: make(map[string]string)}
	n := 0
	err := dec.ExpectList(func() error {
		var field, value string
		if !dec.ExpectString(&field) || !dec.ExpectSP() || !dec.ExpectNString(&value) {
			return dec.Err()
		}
		n++
		switch {
		case n > maxIDFields:
			return newClientBugError("ID: more than 30 fields")
		case len(field) > maxIDFieldSize:
			return newClientBugError("ID: field longer than 30 octets")
		case len(value) > maxIDValueSize:
			return newClientBugError("ID: value longer than 1024 octets")
		}
		field = strings.ToLower(field)
		data.Raw[field] = value
		switch field {
		case "name":
			data.Name = value
		case "version":
			data.Version = value
		case "os":
			data.OS = value
		case "os-version":
			data.OSVersion = value
		case "vendor":
			data.Vendor = value
		case "support-url":
			data.SupportURL = value
		case "address":
			data.Address = value
		case "date":
			data.Date = value
		case "command":
			data.Command = value
		case "arguments":
			data.Arguments = value
		case "environment":
			data.Environment = value
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return data, nil
}

// writeID writes the untagged ID response: the named fields that are set,
// in the order of RFC 2971 section 3.3. Raw is not sent.
func (c *Conn) writeID(data *imap.IDData) error {
	var fields []struct{ name, value string }
	if data != nil {
		fields = []struct{ name, value string }{
			{"name", data.Name},
			{"version", data.Version},
			{"os", data.OS},
			{"os-version", data.OSVersion},
			{"vendor", data.Vendor},
			{"support-url", data.SupportURL},
			{"address", data.Address},
			{"date", data.Date},
			{"command", data.Command},
			{"arguments", data.Arguments},
			{"environment", data.Environment},
		}
	}
	set := fields[:0]
	for _, f := range fields {
		if f.value != "" {
			set = append(set, f)
		}
	}

	enc := newResponseEncoder(c)
	defer enc.end()
	enc.Atom("*").SP().Atom("ID").SP()
	if len(set) == 0 {
		// The grammar has no empty list: NIL says there is nothing.
		enc.NIL()
		return enc.CRLF()
	}
	enc.List(len(set), func(i int) {
		enc.Quoted(set[i].name).SP().String(set[i].value)
	})
	return enc.CRLF()
}
