package imapd

import (
	"strings"

	"github.com/emersion/go-imap/v2"

	"github.com/axmail/axmail/internal/store"
)

// systemFlags maps the store's flag bits to their IMAP names.
var systemFlags = []struct {
	bit  store.Flags
	flag imap.Flag
}{
	{store.FlagSeen, imap.FlagSeen},
	{store.FlagAnswered, imap.FlagAnswered},
	{store.FlagFlagged, imap.FlagFlagged},
	{store.FlagDeleted, imap.FlagDeleted},
	{store.FlagDraft, imap.FlagDraft},
	{store.FlagForwarded, imap.FlagForwarded},
}

// imapFlags returns the IMAP flags of a message.
func imapFlags(f store.Flags, keywords []string) []imap.Flag {
	out := make([]imap.Flag, 0, 4+len(keywords))
	for _, s := range systemFlags {
		if f&s.bit != 0 {
			out = append(out, s.flag)
		}
	}
	for _, k := range keywords {
		out = append(out, imap.Flag(k))
	}
	return out
}

// maxKeywordLen bounds a keyword; imapserver has checked its syntax.
const maxKeywordLen = 128

// storeFlags splits IMAP flags into the store's bits and keywords.
// System flags match in any case (RFC 9051 §2.3.2); \Recent cannot be set
// and is ignored; other backslash flags are refused.
func storeFlags(flags []imap.Flag) (store.Flags, []string, error) {
	var bits store.Flags
	var keywords []string
next:
	for _, fl := range flags {
		for _, s := range systemFlags {
			if strings.EqualFold(string(fl), string(s.flag)) {
				bits |= s.bit
				continue next
			}
		}
		if strings.EqualFold(string(fl), `\Recent`) {
			continue
		}
		if strings.HasPrefix(string(fl), `\`) || len(fl) == 0 || len(fl) > maxKeywordLen {
			return 0, nil, &imap.Error{Type: imap.StatusResponseTypeBad, Code: imap.ResponseCodeClientBug, Text: "Invalid flag"}
		}
		keywords = append(keywords, string(fl))
	}
	return bits, keywords, nil
}

// hasFlag reports whether a message has flag (system flag or keyword, in
// any case).
func hasFlag(f store.Flags, keywords []string, flag imap.Flag) bool {
	for _, s := range systemFlags {
		if strings.EqualFold(string(flag), string(s.flag)) {
			return f&s.bit != 0
		}
	}
	for _, k := range keywords {
		if strings.EqualFold(k, string(flag)) {
			return true
		}
	}
	return false
}
