package listener

import (
	"net"
	"testing"
)

// stubListener hands out the same stub connection forever, so that a
// benchmark measures the Listener's own work per connection.
type stubListener struct{ c net.Conn }

func (s stubListener) Accept() (net.Conn, error) { return s.c, nil }
func (s stubListener) Close() error              { return nil }
func (s stubListener) Addr() net.Addr            { return s.c.LocalAddr() }

type stubConn struct {
	net.Conn // nil: only the methods below are called
	remote   net.Addr
}

func (c stubConn) RemoteAddr() net.Addr { return c.remote }
func (c stubConn) LocalAddr() net.Addr  { return c.remote }
func (c stubConn) Close() error         { return nil }

// BenchmarkAccept measures Accept plus Close of one admitted connection
// through eight rules, the last one matching with every limit set.
func BenchmarkAccept(b *testing.B) {
	rules := []Rule{
		{Match: "10.0.0.0/8", Action: "deny"},
		{Match: "172.16.0.0/12", Action: "deny"},
		{Match: "192.168.0.0/16", Action: "allow"},
		{Match: "2001:db8::/32", Action: "deny"},
		{Match: "198.51.100.0/24", Action: "deny"},
		{Match: "203.0.113.0/24", Action: "deny"},
		{Match: "fd00::/8", Action: "allow"},
		{Match: "*", Action: "limit", MaxConnections: 1000, MaxConnectionsPerIP: 10, Rate: 1 << 30, RatePerIP: 1 << 30},
	}
	remote := &net.TCPAddr{IP: net.ParseIP("192.0.2.1"), Port: 4000}
	l, err := New(stubListener{stubConn{remote: remote}}, Options{Rules: rules, MaxSessions: 1000})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		c, err := l.Accept()
		if err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
}

// BenchmarkAcceptTCP measures a whole loopback connection (dial, Accept,
// close) through a Listener, to set the overhead against.
func BenchmarkAcceptTCP(b *testing.B) {
	for _, wrapped := range []bool{false, true} {
		name := "plain"
		if wrapped {
			name = "listener"
		}
		b.Run(name, func(b *testing.B) {
			inner, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			var ln net.Listener = inner
			if wrapped {
				if ln, err = New(inner, Options{Rules: []Rule{{Match: "127.0.0.0/8", Action: "limit", MaxConnectionsPerIP: 100}}}); err != nil {
					b.Fatal(err)
				}
			}
			defer ln.Close()
			for b.Loop() {
				c, err := net.Dial("tcp", ln.Addr().String())
				if err != nil {
					b.Fatal(err)
				}
				sc, err := ln.Accept()
				if err != nil {
					b.Fatal(err)
				}
				sc.Close()
				c.Close()
			}
		})
	}
}
