package daemon

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"reflect"
	"sort"
	"sync"
	"time"

	"github.com/axmail/axmail/internal/config"
	"github.com/axmail/axmail/internal/control"
	"github.com/axmail/axmail/internal/imapd"
	"github.com/axmail/axmail/internal/listener"
	"github.com/axmail/axmail/internal/pop3d"
	"github.com/axmail/axmail/internal/smtpd"
)

// server is what a listener serves: smtpd's, pop3d's or imapd's Server.
// It follows net/http's Server.
type server interface {
	Serve(net.Listener) error
	Shutdown(ctx context.Context) error
}

// netListener is one configured listener and, when serving, what serves
// it. The set is fixed at start: listeners change only on restart.
type netListener struct {
	name  string
	cfg   config.Listener
	state string
	limit *sessionLimit // the service's shared cap

	raw     net.Listener // bound socket
	limited *limitedListener
	l       *listener.Listener
	srv     server
}

// off turns the config's 0 for "off" into the listener package's
// negative value (whose 0 means its default).
func off[T int | time.Duration](v T) T {
	if v == 0 {
		return -1
	}
	return v
}

// newPenalties builds the penalty table every listener shares.
func newPenalties(p config.Penalties, d *Daemon) *listener.Penalties {
	return listener.NewPenalties(listener.PenaltyOptions{
		AuthDelay: off(time.Duration(p.AuthDelay)), MaxAuthDelay: time.Duration(p.MaxAuthDelay),
		BanAfterDrops: off(p.BanAfterDrops), BanWindow: time.Duration(p.BanWindow), BanDuration: time.Duration(p.BanDuration),
		Logger: d.log.With("component", "penalties"),
	})
}

// serverFor builds the server of one listener from its configuration:
// the single place where a service's Options are made. It returns nil for
// a listener whose service is not built yet.
func (d *Daemon) serverFor(name string, lc config.Listener, cfg *config.Config) (server, error) {
	var tc *tls.Config
	if lc.TLS != "none" {
		var err error
		if tc, err = d.tlsConfig(cfg); err != nil {
			return nil, err
		}
	}
	implicit := lc.TLS == "implicit"
	starttls := tc
	if implicit {
		starttls = nil // the listener already speaks TLS
	}
	log := d.log.With("component", lc.Service, "listener", name)
	switch lc.Service {
	case "smtp", "lmtp", "submission":
		mode := smtpd.ModeMX
		switch lc.Service {
		case "lmtp":
			mode = smtpd.ModeLMTP
		case "submission":
			mode = smtpd.ModeSubmission
		}
		return smtpd.New(smtpd.Options{
			Mode:           mode,
			Hostname:       cfg.Hostname,
			Store:          d.store,
			Directory:      d.dir,
			MaxMessageSize: int64(cfg.Limits.MaxMessageSize),
			TLSConfig:      starttls,
			ImplicitTLS:    implicit,
			InsecureAuth:   lc.InsecureAuth,
			Authenticate:   d.login.Check,
			RelayNetworks:  lc.RelayPrefixes(),
			Queue:          d.queue,
			Logger:         log,
		})
	case "imap":
		return imapd.New(imapd.Options{
			Hostname:     cfg.Hostname,
			Store:        d.store,
			Directory:    d.dir,
			Authenticate: d.login.Check,
			TLSConfig:    starttls,
			ImplicitTLS:  implicit,
			InsecureAuth: lc.InsecureAuth,
			Version:      d.opts.Version,
			Logger:       log,
		})
	case "pop3":
		return pop3d.New(pop3d.Options{
			Hostname:     cfg.Hostname,
			Store:        d.store,
			Directory:    d.dir,
			Authenticate: d.login.Check,
			TLSConfig:    starttls,
			ImplicitTLS:  implicit,
			InsecureAuth: lc.InsecureAuth,
			Logger:       log,
		})
	}
	return nil, nil
}

// tlsConfig loads the configured certificate, or the self-signed one made
// on first start, once for every listener.
func (d *Daemon) tlsConfig(cfg *config.Config) (*tls.Config, error) {
	if d.tls != nil {
		return d.tls, nil
	}
	host := listener.Hostname(cfg.Hostname)
	cert, err := listener.LoadOrCreateCertificate(cfg.TLS.Cert, cfg.TLS.Key, cfg.DataDir, host, d.log.With("component", "tls"))
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	d.tls = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	return d.tls, nil
}

// rejectFor returns the greeting-time refusal of a service.
func rejectFor(service string) func(net.Conn, listener.Reason) {
	switch service {
	case "smtp", "submission", "lmtp":
		return smtpReject
	case "pop3":
		return pop3Reject
	case "imap":
		return imapd.Reject
	}
	return nil
}

// openListeners binds every listener that has an address and a built
// service, wrapping each socket in the service's shared cap and the
// listener's rules. Any failure closes what it bound and names the key.
func (d *Daemon) openListeners(cfg *config.Config) error {
	d.penalties = newPenalties(cfg.Penalties, d)
	limits := make(map[string]*sessionLimit)
	names := make([]string, 0, len(cfg.Listeners))
	for name := range cfg.Listeners {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		lc := cfg.Listeners[name]
		if limits[lc.Service] == nil {
			limits[lc.Service] = &sessionLimit{max: cfg.Services.Of(lc.Service).MaxSessions}
		}
		nl := &netListener{name: name, cfg: lc, state: control.ListenerDisabled, limit: limits[lc.Service]}
		d.listeners = append(d.listeners, nl)
		if lc.Listen == "" {
			continue
		}
		srv, err := d.serverFor(name, lc, cfg)
		if err != nil {
			d.closeListeners()
			return fmt.Errorf("listeners.%s: %w", name, err)
		}
		if srv == nil {
			nl.state = control.ListenerUnavailable
			d.log.Debug("listener configured; its service is not built yet", "listener", name, "service", lc.Service, "listen", lc.Listen, "tls", lc.TLS)
			continue
		}
		if err := nl.open(srv, d); err != nil {
			d.closeListeners()
			return fmt.Errorf("listeners.%s.listen: %w", name, err)
		}
		nl.state = control.ListenerServing
		d.log.Info("listening", "listener", name, "service", lc.Service, "addr", nl.raw.Addr().String())
	}
	return nil
}

// open binds the socket and stacks the service cap and the rules on it.
func (nl *netListener) open(srv server, d *Daemon) error {
	raw, err := net.Listen("tcp", nl.cfg.Listen)
	if err != nil {
		return err
	}
	reject := rejectFor(nl.cfg.Service)
	if nl.cfg.TLS == "implicit" {
		reject = nil // the client expects a TLS handshake: plain text would be noise
	}
	limited := newLimitedListener(raw, nl.limit, reject)
	l, err := listener.New(limited, listener.Options{
		Name:            nl.name,
		Rules:           config.ListenerRules(nl.cfg.Rules),
		MaxBadCommands:  off(nl.cfg.MaxBadCommands),
		MaxAuthFailures: off(nl.cfg.MaxAuthFailures),
		IdleTimeout:     time.Duration(nl.cfg.IdleTimeout),
		SessionTimeout:  time.Duration(nl.cfg.SessionTimeout),
		Penalties:       d.penalties,
		Reject:          reject,
		Logger:          d.log.With("component", "listener"),
	})
	if err != nil {
		raw.Close()
		return err
	}
	nl.raw, nl.limited, nl.l, nl.srv = raw, limited, l, srv
	return nil
}

// serveListeners serves every open listener; an error other than the
// server's closing is sent to errs without blocking.
func (d *Daemon) serveListeners(wg *sync.WaitGroup, errs chan<- error) {
	for _, nl := range d.listeners {
		if nl.srv == nil {
			continue
		}
		wg.Go(func() {
			var l net.Listener = nl.l
			if nl.cfg.TLS == "implicit" {
				l = tls.NewListener(l, d.tls)
			}
			err := nl.srv.Serve(l)
			if err == nil || serverClosed(err) {
				return
			}
			select {
			case errs <- fmt.Errorf("listeners.%s: %w", nl.name, err):
			default:
			}
		})
	}
}

// serverClosed reports whether err is a server's "closed" error.
func serverClosed(err error) bool {
	return errors.Is(err, smtpd.ErrServerClosed) || errors.Is(err, pop3d.ErrServerClosed) || errors.Is(err, imapd.ErrServerClosed)
}

// shutdownListeners drains every server at once within ctx: SMTP
// sessions waiting for a command are told 421, a message being stored
// gets its reply first, and connections that never began a session are
// told 421 too (see drain).
func (d *Daemon) shutdownListeners(ctx context.Context) {
	var wg sync.WaitGroup
	for _, nl := range d.listeners {
		if nl.srv == nil {
			continue
		}
		wg.Go(func() {
			nl.limited.drain()
			if err := nl.srv.Shutdown(ctx); err != nil && !serverClosed(err) {
				d.log.Warn("listener shutdown", "listener", nl.name, "err", err)
			}
		})
	}
	wg.Wait()
	d.closeListeners()
}

// closeListeners closes every bound socket; closing twice is harmless.
func (d *Daemon) closeListeners() {
	for _, nl := range d.listeners {
		if nl.raw != nil {
			_ = nl.raw.Close()
		}
	}
}

// listenersChanged reports whether a reload changed what only a restart
// applies to the listeners.
func listenersChanged(old, cfg *config.Config) bool {
	return !reflect.DeepEqual(old.Listeners, cfg.Listeners) || old.Services != cfg.Services ||
		old.Penalties != cfg.Penalties || old.TLS != cfg.TLS
}
