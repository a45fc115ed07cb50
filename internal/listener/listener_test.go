package listener

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

// testServer runs a Listener whose server writes "OK\n" to every admitted
// connection and whose Reject writes "NO <reason>\n".
type testServer struct {
	l     *Listener
	conns chan *Conn
}

func startServer(t testing.TB, network, addr string, opts Options) *testServer {
	t.Helper()
	inner, err := net.Listen(network, addr)
	if err != nil {
		t.Fatalf("listen %s %s: %v", network, addr, err)
	}
	if opts.Reject == nil {
		opts.Reject = func(c net.Conn, r Reason) { fmt.Fprintf(c, "NO %s\n", r) }
	}
	l, err := New(inner, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	s := &testServer{l: l, conns: make(chan *Conn, 2000)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_, _ = c.Write([]byte("OK\n"))
			s.conns <- c.(*Conn)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		close(s.conns)
		for c := range s.conns {
			c.Close()
		}
	})
	return s
}

// dialFrom connects from the loopback address src (127.0.0.0/8 is all
// local on Linux) and returns the first line the server wrote.
func (s *testServer) dialFrom(t testing.TB, src string) (net.Conn, string) {
	t.Helper()
	d := net.Dialer{Timeout: 2 * time.Second}
	if src != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(src)}
	}
	c, err := d.Dial("tcp", s.l.Addr().String())
	if err != nil {
		t.Fatalf("dial from %s: %v", src, err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil && line == "" {
		return c, "EOF"
	}
	return c, strings.TrimSpace(line)
}

// serverConn returns the server side of the last admitted connection.
func (s *testServer) serverConn(t testing.TB) *Conn {
	t.Helper()
	select {
	case c := <-s.conns:
		return c
	case <-time.After(2 * time.Second):
		t.Fatal("no connection admitted")
		return nil
	}
}

type step struct {
	from string
	want string // first line: "OK" or "NO <reason>"
}

func runSteps(t *testing.T, s *testServer, steps []step) {
	t.Helper()
	for i, st := range steps {
		if _, got := s.dialFrom(t, st.from); got != st.want {
			t.Errorf("step %d: connection from %s got %q, want %q", i, st.from, got, st.want)
		}
	}
}

func TestAcceptRules(t *testing.T) {
	tests := []struct {
		name  string
		rules []Rule
		steps []step
	}{
		{"first match wins", []Rule{{Match: "127.0.0.2", Action: "deny"}, {Match: "127.0.0.0/8", Action: "allow"}},
			[]step{{"127.0.0.2", "NO denied"}, {"127.0.0.3", "OK"}}},
		{"order matters", []Rule{{Match: "127.0.0.0/8", Action: "allow"}, {Match: "127.0.0.2", Action: "deny"}},
			[]step{{"127.0.0.2", "OK"}, {"127.0.0.3", "OK"}}},
		{"no match admits", []Rule{{Match: "10.0.0.0/8", Action: "deny"}},
			[]step{{"127.0.0.2", "OK"}}},
		{"catch-all deny", []Rule{{Match: "127.0.0.3/32", Action: "limit"}, {Match: "*", Action: "deny"}},
			[]step{{"127.0.0.2", "NO denied"}, {"127.0.0.3", "OK"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			runSteps(t, startServer(t, "tcp", "127.0.0.1:0", Options{Rules: tt.rules}), tt.steps)
		})
	}
}

func TestAcceptIPv6(t *testing.T) {
	if ln, err := net.Listen("tcp", "[::1]:0"); err != nil {
		t.Skipf("no IPv6 loopback (%v); TestRulesMatch covers the matcher", err)
	} else {
		ln.Close()
	}
	s := startServer(t, "tcp", "[::1]:0", Options{Rules: []Rule{{Match: "::1/128", Action: "deny"}}})
	runSteps(t, s, []step{{"", "NO denied"}})
	s = startServer(t, "tcp", "[::1]:0", Options{Rules: []Rule{{Match: "127.0.0.0/8", Action: "deny"}, {Match: "::/0", Action: "limit", MaxConnectionsPerIP: 1}}})
	runSteps(t, s, []step{{"", "OK"}, {"", "NO max_connections_per_ip"}})
}

func TestConnectionLimits(t *testing.T) {
	s := startServer(t, "tcp", "127.0.0.1:0", Options{Rules: []Rule{
		{Match: "127.0.0.0/8", Action: "limit", MaxConnections: 3, MaxConnectionsPerIP: 2},
	}})
	runSteps(t, s, []step{
		{"127.0.0.2", "OK"},
		{"127.0.0.2", "OK"},
		{"127.0.0.2", "NO max_connections_per_ip"},
		{"127.0.0.3", "OK"},
		{"127.0.0.4", "NO max_connections"},
	})
	first := s.serverConn(t) // 127.0.0.2
	first.Close()
	first.Close() // released once only
	runSteps(t, s, []step{
		{"127.0.0.4", "OK"},
		{"127.0.0.5", "NO max_connections"},
		{"127.0.0.2", "NO max_connections"},
	})
	st := s.l.Stats()
	if st.Active != 3 || st.Rules[0].Active != 3 || st.Rules[0].ActiveIP != 3 {
		t.Errorf("Stats = %+v, want 3 active over 3 IPs", st)
	}
	if st.Refused["max_connections"] != 3 || st.Refused["max_connections_per_ip"] != 1 || st.Rules[0].Refused != 4 || st.Accepted != 4 {
		t.Errorf("Stats counts = %+v", st)
	}
}

func TestRateLimits(t *testing.T) {
	clk := newFakeClock()
	s := startServer(t, "tcp", "127.0.0.1:0", Options{Clock: clk.Now, Rules: []Rule{
		{Match: "127.0.0.2/31", Action: "limit", Rate: 3, RateInterval: time.Minute},
		{Match: "127.0.0.0/8", Action: "limit", RatePerIP: 1, RateInterval: 10 * time.Second},
	}})
	runSteps(t, s, []step{
		{"127.0.0.2", "OK"},
		{"127.0.0.3", "OK"},
		{"127.0.0.2", "OK"},
		{"127.0.0.3", "NO rate"},
		{"127.0.0.5", "OK"},
		{"127.0.0.5", "NO rate_per_ip"},
		{"127.0.0.6", "OK"},
	})
	clk.Advance(10 * time.Second)
	runSteps(t, s, []step{{"127.0.0.5", "OK"}, {"127.0.0.2", "NO rate"}})
	clk.Advance(50 * time.Second)
	runSteps(t, s, []step{{"127.0.0.2", "OK"}})
}

func TestMaxSessionsRefusesAtOnce(t *testing.T) {
	const greeting = "421 4.3.2 Too many connections, try again later"
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var gotReason Reason
	var mu sync.Mutex
	l, err := New(inner, Options{Name: "smtp", MaxSessions: 2, Reject: func(c net.Conn, r Reason) {
		mu.Lock()
		gotReason = r
		mu.Unlock()
		fmt.Fprintf(c, "%s\r\n", greeting)
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 10)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted <- c // the server never writes: a held session
		}
	}()
	for range 2 {
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		<-accepted
	}
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	_ = c.SetReadDeadline(start.Add(time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != greeting {
		t.Fatalf("third client read %q, %v; want %q", line, err, greeting)
	}
	if el := time.Since(start); el > 500*time.Millisecond {
		t.Errorf("refusal took %v", el)
	}
	mu.Lock()
	if gotReason != ReasonBusy || !gotReason.Temporary() {
		t.Errorf("Reject reason = %v, want max_sessions", gotReason)
	}
	mu.Unlock()
	select {
	case <-accepted:
		t.Error("Accept returned a refused connection")
	case <-time.After(50 * time.Millisecond):
	}
	if st := l.Stats(); st.Active != 2 || st.Refused["max_sessions"] != 1 {
		t.Errorf("Stats = %+v", st)
	}
}

func TestRejectNilCloses(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l, err := New(inner, Options{Rules: []Rule{{Match: "*", Action: "deny"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() { _, _ = l.Accept() }()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	if n, err := c.Read(make([]byte, 10)); n != 0 || err == nil || strings.Contains(err.Error(), "timeout") {
		t.Errorf("Read = %d, %v; want EOF or reset", n, err)
	}
}

func TestDropsLeadToBanAndAllowWins(t *testing.T) {
	clk := newFakeClock()
	pen := NewPenalties(PenaltyOptions{Clock: clk.Now, BanAfterDrops: 2, BanDuration: time.Hour})
	opts := Options{Clock: clk.Now, Penalties: pen, MaxBadCommands: 3, MaxAuthFailures: 2}
	opts.Rules = []Rule{{Match: "127.0.0.9", Action: "allow"}, {Match: "127.0.0.0/8", Action: "limit"}}
	s := startServer(t, "tcp", "127.0.0.1:0", opts)

	// Two sessions of 127.0.0.2 dropped: one for commands, one for AUTH.
	s.dialFrom(t, "127.0.0.2")
	g := s.serverConn(t).Guard()
	if g.Trusted() || g.IP() != netip.MustParseAddr("127.0.0.2") {
		t.Fatalf("Guard = %+v", g)
	}
	for i, want := range []bool{false, false, true} {
		if got := g.BadCommand(); got != want {
			t.Errorf("BadCommand #%d = %v, want %v", i+1, got, want)
		}
	}
	s.dialFrom(t, "127.0.0.2")
	g = s.serverConn(t).Guard()
	if d, drop := g.AuthFailed([]byte("a")); d != 2*time.Second || drop {
		t.Errorf("first AuthFailed = %v, %v; want 2s, false", d, drop)
	}
	if d, drop := g.AuthFailed([]byte("b")); d != 4*time.Second || !drop {
		t.Errorf("second AuthFailed = %v, %v; want 4s, true", d, drop)
	}
	// A session waits out the delay, unless its context ends first.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if drop, err := g.WaitAuthFailed(ctx, []byte("c")); !drop || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitAuthFailed past its context = %v, %v; want true, deadline exceeded", drop, err)
	}
	runSteps(t, s, []step{{"127.0.0.2", "NO banned"}, {"127.0.0.3", "OK"}})
	if bans := s.l.Penalties().Bans(); len(bans) != 1 || bans[0].Reason != DropAuthFailures {
		t.Errorf("Bans() = %+v, want one for failed logins", bans)
	}
	if st := s.l.Stats(); st.Dropped != 2 || st.Refused["banned"] != 1 {
		t.Errorf("Stats = %+v", st)
	}

	// The allow rule wins over a ban and over delays.
	pen.Ban(netip.MustParseAddr("127.0.0.9"), time.Hour, "manual")
	runSteps(t, s, []step{{"127.0.0.9", "OK"}})
	<-s.conns // 127.0.0.3
	g = s.serverConn(t).Guard()
	if !g.Trusted() {
		t.Error("Guard of an allow-rule client is not trusted")
	}
	if d, _ := g.AuthFailed([]byte("x")); d != 0 {
		t.Errorf("trusted AuthFailed delay = %v, want 0", d)
	}

	// Expiry and Unban.
	clk.Advance(time.Hour)
	runSteps(t, s, []step{{"127.0.0.2", "OK"}})
	pen.Ban(netip.MustParseAddr("127.0.0.2"), time.Hour, "manual")
	runSteps(t, s, []step{{"127.0.0.2", "NO banned"}})
	if !s.l.Penalties().Unban(netip.MustParseAddr("127.0.0.2")) {
		t.Error("Unban = false")
	}
	runSteps(t, s, []step{{"127.0.0.2", "OK"}})
}

func checkNoLeak(t *testing.T, l *Listener) {
	t.Helper()
	st := l.Stats()
	if st.Active != 0 {
		t.Errorf("Active = %d after every connection closed, want 0", st.Active)
	}
	for i, r := range st.Rules {
		if r.Active != 0 || r.ActiveIP != 0 {
			t.Errorf("rule %d: %+v after every connection closed", i, r)
		}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.noRuleIPs) != 0 {
		t.Errorf("%d IPs tracked without a rule, want 0", len(l.noRuleIPs))
	}
}

func TestNoLeakAfterManyConnections(t *testing.T) {
	s := startServer(t, "tcp", "127.0.0.1:0", Options{MaxSessions: 5, Rules: []Rule{
		{Match: "127.0.0.2/31", Action: "limit", MaxConnections: 2, MaxConnectionsPerIP: 1},
	}})
	srcs := []string{"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"}
	for i := range 1000 {
		src := srcs[i%len(srcs)]
		c, got := s.dialFrom(t, src)
		if got != "OK" {
			t.Fatalf("connection %d from %s: %q", i, src, got)
		}
		s.serverConn(t).Close()
		c.Close()
	}
	checkNoLeak(t, s.l)
	if st := s.l.Stats(); st.Accepted != 1000 {
		t.Errorf("Accepted = %d, want 1000", st.Accepted)
	}
}

func TestConcurrentAccept(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l, err := New(inner, Options{MaxSessions: 20, Rules: []Rule{
		{Match: "127.0.0.2/31", Action: "limit", MaxConnections: 6, MaxConnectionsPerIP: 4},
		{Match: "127.0.0.4/30", Action: "allow", MaxConnectionsPerIP: 2},
	}, Reject: func(c net.Conn, r Reason) { fmt.Fprintf(c, "NO %s\n", r) }})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	serving := make(chan struct{})
	go func() {
		defer close(serving)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				// A session: greet, feed the guard, read until the client goes.
				_, _ = c.Write([]byte("OK\n"))
				cn, _ := ConnOf(c)
				cn.Guard().BadCommand()
				_, _ = c.Read(make([]byte, 1))
				_ = l.Stats()
				c.Close()
			})
		}
	}()
	const clients, each = 16, 40
	var (
		cmu      sync.Mutex
		ok, nope int
	)
	var cg sync.WaitGroup
	for i := range clients {
		cg.Go(func() {
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(1+i%8))}}
			for range each {
				c, err := d.Dial("tcp", l.Addr().String())
				if err != nil {
					t.Error(err)
					return
				}
				_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
				line, _ := bufio.NewReader(c).ReadString('\n')
				c.Close()
				cmu.Lock()
				if strings.HasPrefix(line, "OK") {
					ok++
				} else {
					nope++
				}
				cmu.Unlock()
			}
		})
	}
	cg.Wait()
	l.Close()
	<-serving
	wg.Wait()
	checkNoLeak(t, l)
	st := l.Stats()
	var refused uint64
	for _, n := range st.Refused {
		refused += n
	}
	t.Logf("%d admitted, %d refused: %v", ok, nope, st.Refused)
	if st.Accepted != uint64(ok) || int(st.Accepted+refused) != clients*each {
		t.Errorf("accepted %d refused %d (%v), clients saw %d OK %d refused", st.Accepted, refused, st.Refused, ok, nope)
	}
}

func TestUnixSocketClient(t *testing.T) {
	path := t.TempDir() + "/lmtp.sock"
	s := startServer(t, "unix", path, Options{Rules: []Rule{{Match: "*", Action: "deny"}}})
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sc := s.serverConn(t)
	if sc.IP().IsValid() || sc.Rule() != -1 {
		t.Errorf("unix client: IP %v rule %d, want none", sc.IP(), sc.Rule())
	}
	if d, _ := sc.Guard().AuthFailed(nil); d != 0 {
		t.Errorf("unix client AuthFailed delay = %v, want 0", d)
	}
	sc.Close()
	checkNoLeak(t, s.l)
}

func TestNewErrors(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer inner.Close()
	if _, err := New(nil, Options{}); err != ErrNoListener {
		t.Errorf("New(nil) = %v, want ErrNoListener", err)
	}
	if _, err := New(inner, Options{Name: "smtp", Rules: []Rule{{Match: "*", Action: "allow"}, {Match: "bad", Action: "deny"}}}); err == nil || !strings.Contains(err.Error(), "rule 1: match") {
		t.Errorf("New with a bad rule = %v, want an error naming rule 1's match", err)
	}
	if _, err := New(inner, Options{MaxSessions: -1}); err == nil {
		t.Error("New with negative MaxSessions = nil error")
	}
}

func TestReasonString(t *testing.T) {
	for r, want := range map[Reason]string{ReasonDenied: "denied", ReasonIPRate: "rate_per_ip", 0: "reason(0)", 99: "reason(99)"} {
		if got := r.String(); got != want {
			t.Errorf("Reason(%d).String() = %q, want %q", int(r), got, want)
		}
	}
	if ReasonDenied.Temporary() || ReasonBanned.Temporary() || !ReasonRate.Temporary() {
		t.Error("Temporary() wrong")
	}
}
