package control

import (
	"context"
	"net/http"
	"net/netip"

	"github.com/axmail/axmail/internal/listener"
)

// ListenerBackend is the optional listener part of a Backend: a Backend
// that implements it gets GET /v1/listeners, GET /v1/bans and
// DELETE /v1/bans/{ip}.
type ListenerBackend interface {
	Listeners(ctx context.Context) ([]ListenerInfo, error)
	// Bans lists the bans in force, ordered by address.
	Bans(ctx context.Context) ([]listener.Ban, error)
	// Unban lifts ip's ban and reports whether it had one.
	Unban(ctx context.Context, ip netip.Addr) (bool, error)
}

// Listener states.
const (
	ListenerServing     = "serving"
	ListenerDisabled    = "disabled"    // no listen address
	ListenerUnavailable = "unavailable" // its service or TLS mode is not built yet
)

// ListenerInfo is one listener in GET /v1/listeners: its configuration
// and, when serving, its live counts.
type ListenerInfo struct {
	Name    string `json:"name"`
	Service string `json:"service"`
	State   string `json:"state"`  // ListenerServing, ListenerDisabled or ListenerUnavailable
	Listen  string `json:"listen"` // as configured
	Addr    string `json:"addr"`   // bound address; "" unless serving
	TLS     string `json:"tls"`    // none, starttls, implicit
	// MaxSessions is the service's cap, shared by all its listeners; 0
	// means no limit. ServiceActive counts the service's connections on
	// all its listeners.
	MaxSessions   int `json:"max_sessions"`
	ServiceActive int `json:"service_active"`
	// Active counts this listener's admitted connections now.
	Active   int    `json:"active"`
	Accepted uint64 `json:"accepted"`
	// Refused counts refusals by reason (denied, banned, max_sessions,
	// max_connections, max_connections_per_ip, rate, rate_per_ip).
	Refused map[string]uint64 `json:"refused"`
	// Dropped counts sessions dropped by error control.
	Dropped uint64               `json:"dropped"`
	Rules   []listener.RuleStats `json:"rules"`
}

func (s *Server) listenerRoutes(mux *http.ServeMux, b ListenerBackend) {
	mux.HandleFunc("GET /v1/listeners", func(w http.ResponseWriter, r *http.Request) {
		ls, err := b.Listeners(r.Context())
		if err != nil {
			writeError(w, mapError(err))
			return
		}
		if ls == nil {
			ls = []ListenerInfo{}
		}
		writeJSON(w, ls)
	})
	mux.HandleFunc("GET /v1/bans", func(w http.ResponseWriter, r *http.Request) {
		bans, err := b.Bans(r.Context())
		if err != nil {
			writeError(w, mapError(err))
			return
		}
		if bans == nil {
			bans = []listener.Ban{}
		}
		writeJSON(w, bans)
	})
	mux.HandleFunc("DELETE /v1/bans/{ip}", func(w http.ResponseWriter, r *http.Request) {
		ip, err := netip.ParseAddr(r.PathValue("ip"))
		if err != nil || ip.Zone() != "" {
			writeError(w, Errorf(http.StatusBadRequest, CodeBadRequest, "%q is not an IP address", r.PathValue("ip")))
			return
		}
		ok, err := b.Unban(r.Context(), ip.Unmap())
		switch {
		case err != nil:
			writeError(w, mapError(err))
		case !ok:
			writeError(w, Errorf(http.StatusNotFound, CodeNotFound, "%s is not banned", ip.Unmap()))
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	})
}
