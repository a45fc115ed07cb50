package daemon

import (
	"context"
	"net/netip"

	"github.com/axmail/axmail/internal/control"
	"github.com/axmail/axmail/internal/listener"
)

var _ control.ListenerBackend = (*backend)(nil)

// Listeners reports every configured listener, serving or not, in name
// order.
func (b *backend) Listeners(ctx context.Context) ([]control.ListenerInfo, error) {
	out := make([]control.ListenerInfo, 0, len(b.d.listeners))
	for _, nl := range b.d.listeners {
		info := control.ListenerInfo{
			Name: nl.name, Service: nl.cfg.Service, State: nl.state, Listen: nl.cfg.Listen, TLS: nl.cfg.TLS,
			MaxSessions: nl.limit.max, ServiceActive: nl.limit.Active(),
			Refused: map[string]uint64{}, Rules: []listener.RuleStats{},
		}
		if nl.l != nil {
			st := nl.l.Stats()
			info.Addr, info.Active, info.Accepted, info.Dropped, info.Rules = st.Addr, st.Active, st.Accepted, st.Dropped, st.Rules
			info.Refused = st.Refused
			// The service's cap refuses under the listener (see
			// limitedListener), under the listener's own reason name.
			if n := nl.limited.Refused(); n > 0 {
				info.Refused[listener.ReasonBusy.String()] += n
			}
		}
		out = append(out, info)
	}
	return out, nil
}

// Bans lists the shared penalty table's bans.
func (b *backend) Bans(ctx context.Context) ([]listener.Ban, error) {
	if b.d.penalties == nil {
		return nil, errNotRunning
	}
	bans := b.d.penalties.Bans()
	if bans == nil {
		bans = []listener.Ban{}
	}
	return bans, nil
}

// Unban lifts a ban from the shared penalty table.
func (b *backend) Unban(ctx context.Context, ip netip.Addr) (bool, error) {
	if b.d.penalties == nil {
		return false, errNotRunning
	}
	return b.d.penalties.Unban(ip), nil
}
