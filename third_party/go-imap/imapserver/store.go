package imapserver

import (
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/internal"
	"github.com/emersion/go-imap/v2/internal/imapwire"
)

func (c *Conn) handleStore(dec *imapwire.Decoder, numKind NumKind) error {
	var (
		numSet  imap.NumSet
		item    string
		options imap.StoreOptions
	)
	if !dec.ExpectSP() || !dec.ExpectNumSet(numKind.wire(), &numSet) || !dec.ExpectSP() {
		return dec.Err()
	}
	hasModifiers, err := readStoreModifiers(dec, &options)
	if err != nil {
		return err
	}
	if hasModifiers && !dec.ExpectSP() {
		return dec.Err()
	}
	if !dec.ExpectAtom(&item) || !dec.ExpectSP() {
		return dec.Err()
	}
	var flags []imap.Flag
	isList, err := dec.List(func() error {
		flag, err := internal.ExpectFlag(dec)
		if err != nil {
			return err
		}
		flags = append(flags, flag)
		return nil
	})
	if err != nil {
		return err
	} else if !isList {
		for {
			flag, err := internal.ExpectFlag(dec)
			if err != nil {
				return err
			}
			flags = append(flags, flag)

			if !dec.SP() {
				break
			}
		}
	}
	if !dec.ExpectCRLF() {
		return dec.Err()
	}

	item = strings.ToUpper(item)
	silent := strings.HasSuffix(item, ".SILENT")
	item = strings.TrimSuffix(item, ".SILENT")

	var op imap.StoreFlagsOp
	switch {
	case strings.HasPrefix(item, "+"):
		op = imap.StoreFlagsAdd
		item = strings.TrimPrefix(item, "+")
	case strings.HasPrefix(item, "-"):
		op = imap.StoreFlagsDel
		item = strings.TrimPrefix(item, "-")
	default:
		op = imap.StoreFlagsSet
	}

	if item != "FLAGS" {
		return newClientBugError("STORE can only change FLAGS")
	}

	if err := c.checkState(imap.ConnStateSelected); err != nil {
		return err
	}

	if hasModifiers {
		if err := c.enableCondStore(); err != nil {
			return err
		}
	}

	w := &FetchWriter{conn: c}
	return c.session.Store(w, numSet, &imap.StoreFlags{
		Op:     op,
		Silent: silent,
		Flags:  flags,
	}, &options)
}

// readStoreModifiers reads the parenthesized STORE modifiers, if any (RFC
// 7162 section 3.1.3).
func readStoreModifiers(dec *imapwire.Decoder, options *imap.StoreOptions) (bool, error) {
	n := 0
	isList, err := dec.List(func() error {
		n++
		var name string
		if !dec.ExpectAtom(&name) {
			return dec.Err()
		}
		switch strings.ToUpper(name) {
		case "UNCHANGEDSINCE":
			var modSeq uint64
			if !dec.ExpectSP() || !dec.ExpectModSeq(&modSeq) {
				return dec.Err()
			}
			options.UnchangedSince = modSeq
			options.HasUnchangedSince = true
		default:
			return newClientBugError("Unknown STORE modifier")
		}
		return nil
	})
	if err == nil && isList && n == 0 {
		err = newClientBugError("Empty list of STORE modifiers")
	}
	return isList, err
}

// ModifiedError is what Session.Store returns when messages failed the
// UNCHANGEDSINCE test (RFC 7162 section 3.1.3): the others were stored, and
// the command completes with OK and a MODIFIED response code listing the
// failed ones, as sequence numbers for STORE and as UIDs for UID STORE.
func ModifiedError(numSet imap.NumSet) *imap.Error {
	return &imap.Error{
		Type: imap.StatusResponseTypeOK,
		Code: imap.ResponseCode("MODIFIED " + numSet.String()),
		Text: "Conditional STORE failed for some messages",
	}
}
