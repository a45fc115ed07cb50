package smtpd

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/axmail/axmail/internal/directory"
	"github.com/axmail/axmail/internal/store"
)

func TestNewValidates(t *testing.T) {
	t.Parallel()
	st, dir := &store.Store{}, &directory.Directory{}
	tests := []struct {
		name string
		opts Options
		want string // error substring, "" for success
	}{
		{"ok", Options{Store: st, Directory: dir, Hostname: "mx.test"}, ""},
		{"default hostname", Options{Store: st, Directory: dir}, ""},
		{"no store", Options{Directory: dir}, "no store"},
		{"no directory", Options{Store: st}, "no directory"},
		{"bad mode", Options{Store: st, Directory: dir, Mode: 7}, "unknown mode"},
		{"negative recipients", Options{Store: st, Directory: dir, MaxRecipients: -1}, "negative"},
		{"negative size", Options{Store: st, Directory: dir, MaxMessageSize: -1}, "negative"},
		{"header-breaking hostname", Options{Store: st, Directory: dir, Hostname: "mx\r\nX: y"}, "not a domain"},
		{"submission without Authenticate", Options{Store: st, Directory: dir, Mode: ModeSubmission}, "needs Authenticate"},
		{"submission", Options{Store: st, Directory: dir, Mode: ModeSubmission, Authenticate: func(context.Context, string, []byte) (string, error) { return "", nil }}, ""},
		{"invalid relay network", Options{Store: st, Directory: dir, RelayNetworks: []netip.Prefix{{}}}, "relay network"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(tt.opts)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("New = %v, want success", err)
				}
				if s.opts.MaxRecipients != DefaultMaxRecipients || s.opts.Hostname == "" {
					t.Errorf("defaults not applied: %+v", s.opts)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New = %v, want error containing %q", err, tt.want)
			}
		})
	}
}

func TestShutdown(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- e.srv.Serve(l) }()

	// An idle session after EHLO is told 421 and closed.
	rc := e.dialRaw()
	rc.cmd("EHLO client.test\r\n")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if got := rc.reply(); !strings.HasPrefix(got, "421") {
		t.Errorf("idle session got %q at shutdown, want 421", got)
	}
	if err := <-served; !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve = %v, want ErrServerClosed", err)
	}
	if err := e.srv.Shutdown(ctx); !errors.Is(err, ErrServerClosed) {
		t.Errorf("second Shutdown = %v, want ErrServerClosed", err)
	}
	if err := e.srv.Serve(l); !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve after Shutdown = %v, want ErrServerClosed", err)
	}
	if _, err := net.Dial("tcp", e.addr); err == nil {
		t.Errorf("listener still accepting after Shutdown")
	}
}
