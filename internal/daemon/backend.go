package daemon

import (
	"context"
	"os"

	"github.com/axmail/axmail/internal/control"
	"github.com/axmail/axmail/internal/store"
)

// backend answers the control API from the daemon's services.
type backend struct{ d *Daemon }

var _ control.Backend = (*backend)(nil)

func (b *backend) Status(ctx context.Context) (control.Status, error) {
	d := b.d
	cfg := d.config()
	st := control.Status{
		Version: d.opts.Version, PID: os.Getpid(), Started: d.started, DataDir: cfg.DataDir,
		Hostname: cfg.Hostname, Listeners: make(map[string]string),
	}
	for name, l := range cfg.Listeners {
		if l.Listen != "" {
			st.Listeners[name] = l.Service + " " + l.Listen
		}
	}
	for _, nl := range d.listeners {
		if nl.raw != nil { // the bound address: the port chosen for :0
			st.Listeners[nl.name] = nl.cfg.Service + " " + nl.raw.Addr().String()
		}
	}
	if d.dir != nil {
		st.Domains, st.Accounts, _ = d.dir.Counts()
	}
	return st, nil
}

func (b *backend) Compact(ctx context.Context, req control.CompactRequest, progress func(done, total int64)) (store.CompactResult, error) {
	if b.d.store == nil {
		return store.CompactResult{}, errNotRunning
	}
	return b.d.store.Compact(ctx, store.CompactOptions{Threshold: req.Threshold, DryRun: req.DryRun, Progress: progress})
}

func (b *backend) Check(ctx context.Context, req control.CheckRequest, progress func(done, total int64)) (store.CheckResult, error) {
	if b.d.store == nil {
		return store.CheckResult{}, errNotRunning
	}
	return b.d.store.Check(ctx, store.CheckOptions{Repair: req.Repair, Progress: progress})
}
