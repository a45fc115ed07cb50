package listener

import (
	"crypto/tls"
	"errors"
	"net"
	"os"
	"testing"
	"time"
)

// pair returns a client and the server's *Conn for one admitted connection.
func pair(t *testing.T, opts Options) (net.Conn, *Conn) {
	t.Helper()
	s := startServer(t, "tcp", "127.0.0.1:0", opts)
	c, got := s.dialFrom(t, "")
	if got != "OK" {
		t.Fatalf("dial: %q", got)
	}
	return c, s.serverConn(t)
}

// readUntilError reads from sc while the client writes a byte every
// `every`, and returns how long it took for a Read to fail.
func readUntilError(t *testing.T, client net.Conn, sc *Conn, every time.Duration) (time.Duration, error) {
	t.Helper()
	stop := make(chan struct{})
	defer close(stop)
	if every > 0 {
		go func() {
			tk := time.NewTicker(every)
			defer tk.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tk.C:
					if _, err := client.Write([]byte("x")); err != nil {
						return
					}
				}
			}
		}()
	}
	start := time.Now()
	buf := make([]byte, 16)
	for {
		if _, err := sc.Read(buf); err != nil {
			return time.Since(start), err
		}
		if time.Since(start) > 5*time.Second {
			t.Fatal("no timeout within 5s")
		}
	}
}

func TestTimeouts(t *testing.T) {
	tests := []struct {
		name     string
		opts     Options
		adjust   func(*Conn)
		every    time.Duration // client activity
		min, max time.Duration
		session  bool // SessionExpired afterwards
	}{
		{"idle", Options{IdleTimeout: 100 * time.Millisecond}, nil, 0, 80 * time.Millisecond, time.Second, false},
		{"activity keeps idle alive", Options{IdleTimeout: 150 * time.Millisecond, SessionTimeout: 400 * time.Millisecond}, nil, 30 * time.Millisecond, 300 * time.Millisecond, 1500 * time.Millisecond, true},
		{"account override after login", Options{IdleTimeout: 10 * time.Second}, func(c *Conn) { c.SetIdleTimeout(100 * time.Millisecond) }, 0, 80 * time.Millisecond, time.Second, false},
		{"account session override", Options{}, func(c *Conn) { c.SetSessionTimeout(200 * time.Millisecond) }, 30 * time.Millisecond, 150 * time.Millisecond, 1500 * time.Millisecond, true},
		{"server deadline still applies", Options{IdleTimeout: 10 * time.Second}, func(c *Conn) { _ = c.SetReadDeadline(time.Now().Add(100 * time.Millisecond)) }, 0, 80 * time.Millisecond, time.Second, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			client, sc := pair(t, tt.opts)
			if tt.adjust != nil {
				tt.adjust(sc)
			}
			el, err := readUntilError(t, client, sc, tt.every)
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("Read error = %v, want a deadline error", err)
			}
			if el < tt.min || el > tt.max {
				t.Errorf("timed out after %v, want between %v and %v", el, tt.min, tt.max)
			}
			if sc.SessionExpired() != tt.session {
				t.Errorf("SessionExpired() = %v, want %v", sc.SessionExpired(), tt.session)
			}
		})
	}
}

func TestNoTimeoutByDefault(t *testing.T) {
	client, sc := pair(t, Options{})
	go func() {
		time.Sleep(200 * time.Millisecond)
		_, _ = client.Write([]byte("late"))
	}()
	buf := make([]byte, 4)
	if n, err := sc.Read(buf); err != nil || string(buf[:n]) != "late" {
		t.Errorf("Read = %q, %v; want \"late\"", buf[:n], err)
	}
	if sc.SessionExpired() {
		t.Error("SessionExpired() with no session timeout")
	}
}

func TestWriteDeadline(t *testing.T) {
	_, sc := pair(t, Options{IdleTimeout: 100 * time.Millisecond})
	// The client never reads: writes must fail once the buffers are full.
	buf := make([]byte, 1<<20)
	start := time.Now()
	for {
		if _, err := sc.Write(buf); err != nil {
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("Write error = %v, want a deadline error", err)
			}
			break
		}
		if time.Since(start) > 5*time.Second {
			t.Fatal("writes to a stalled client never timed out")
		}
	}
}

func TestConnOf(t *testing.T) {
	_, sc := pair(t, Options{})
	tests := []struct {
		name string
		c    net.Conn
		ok   bool
	}{
		{"conn", sc, true},
		{"tls server", tls.Server(sc, &tls.Config{}), true},
		{"tls in tls", tls.Client(tls.Server(sc, &tls.Config{}), &tls.Config{}), true},
		{"plain", sc.NetConn(), false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		got, ok := ConnOf(tt.c)
		if ok != tt.ok || (ok && got != sc) {
			t.Errorf("ConnOf(%s) = %p, %v; want %v", tt.name, got, ok, tt.ok)
		}
	}
}
