package imapd

import (
	"log/slog"
	"sort"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
)

var _ imapserver.SessionID = (*session)(nil)

// ID answers ID (RFC 2971) with the server's name, vendor and version,
// and logs what the client sent at debug level (imapserver has bounded
// it to 30 fields of 1024 octets).
func (ss *session) ID(client *imap.IDData) *imap.IDData {
	if ss.log.Enabled(ss.ctx, slog.LevelDebug) {
		var fields []any
		if client != nil {
			keys := make([]string, 0, len(client.Raw))
			for k := range client.Raw {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				fields = append(fields, slog.String(k, client.Raw[k]))
			}
		}
		ss.log.Debug("client id", slog.Group("client_id", fields...))
	}
	return &imap.IDData{Name: "axmail", Version: ss.srv.opts.Version, Vendor: "axmail"}
}
