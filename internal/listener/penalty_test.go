package listener

import (
	"net/netip"
	"testing"
	"time"
)

func TestAuthDelayDoublesToCap(t *testing.T) {
	clk := newFakeClock()
	p := NewPenalties(PenaltyOptions{Clock: clk.Now, BanAfterDrops: -1})
	ip := netip.MustParseAddr("192.0.2.1")
	g := NewGuard(ip, false, p, 0, 0)
	want := []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 15 * time.Second, 15 * time.Second}
	for i, w := range want {
		d, drop := g.AuthFailed([]byte{'p', byte(i)})
		if d != w || drop {
			t.Errorf("AuthFailed #%d = %v, %v; want %v, false", i+1, d, drop, w)
		}
	}
	// The penalty is per IP: a new session from the same IP starts at the cap.
	if d, _ := NewGuard(ip, false, p, 0, 0).AuthFailed([]byte("new")); d != 15*time.Second {
		t.Errorf("new session delay = %v, want 15s", d)
	}
	if d, _ := NewGuard(netip.MustParseAddr("192.0.2.2"), false, p, 0, 0).AuthFailed(nil); d != 2*time.Second {
		t.Errorf("other IP delay = %v, want 2s", d)
	}
	// AuthOK resets it.
	g.AuthOK()
	if d := p.AuthDelay(ip); d != 0 {
		t.Errorf("AuthDelay after AuthOK = %v, want 0", d)
	}
	// It is forgotten an hour after the last failure.
	g.AuthFailed([]byte("a"))
	g.AuthFailed([]byte("b"))
	clk.Advance(time.Hour)
	if d, _ := g.AuthFailed([]byte("c")); d != 2*time.Second {
		t.Errorf("delay after an hour = %v, want 2s", d)
	}
}

func TestAuthDelayConfigured(t *testing.T) {
	tests := []struct {
		name string
		opts PenaltyOptions
		want []time.Duration
	}{
		{"custom", PenaltyOptions{AuthDelay: time.Second, MaxAuthDelay: 3 * time.Second}, []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second}},
		{"off", PenaltyOptions{AuthDelay: -1}, []time.Duration{0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPenalties(tt.opts)
			g := NewGuard(netip.MustParseAddr("2001:db8::1"), false, p, 0, 0)
			for i, w := range tt.want {
				if d, _ := g.AuthFailed([]byte{byte(i)}); d != w {
					t.Errorf("AuthFailed #%d delay = %v, want %v", i+1, d, w)
				}
			}
		})
	}
}

func TestAuthDelaySamePasswordDoesNotGrow(t *testing.T) {
	p := NewPenalties(PenaltyOptions{Clock: newFakeClock().Now})
	g := NewGuard(netip.MustParseAddr("192.0.2.1"), false, p, 0, 0)
	steps := []struct {
		password string
		want     time.Duration
	}{
		{"old-secret", 2 * time.Second},
		{"old-secret", 2 * time.Second},
		{"old-secret", 2 * time.Second},
		{"typo", 4 * time.Second},
		{"typo", 4 * time.Second},
		{"old-secret", 8 * time.Second},
		{"", 15 * time.Second}, // unknown password always counts
		{"", 15 * time.Second},
	}
	for i, s := range steps {
		if d, _ := g.AuthFailed([]byte(s.password)); d != s.want {
			t.Errorf("step %d AuthFailed(%q) delay = %v, want %v", i, s.password, d, s.want)
		}
	}
	for _, e := range p.ips {
		if e.hasPassword {
			t.Errorf("table keeps a fingerprint after an unknown password")
		}
	}
}

func TestGuardDropThresholds(t *testing.T) {
	tests := []struct {
		name            string
		maxBad, maxAuth int
		bad, auth       int // calls made
		wantDropAt      int // call (1-based, bad then auth) that drops; 0 none
	}{
		{"bad commands", 3, 0, 5, 0, 3},
		{"auth failures", 0, 2, 0, 4, 2},
		{"never", -1, -1, 30, 30, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewGuard(netip.MustParseAddr("192.0.2.1"), false, NewPenalties(PenaltyOptions{AuthDelay: -1}), tt.maxBad, tt.maxAuth)
			firstDrop := 0
			call := 0
			for range tt.bad {
				call++
				if g.BadCommand() && firstDrop == 0 {
					firstDrop = call
				}
			}
			for range tt.auth {
				call++
				if _, drop := g.AuthFailed(nil); drop && firstDrop == 0 {
					firstDrop = call
				}
			}
			if firstDrop != tt.wantDropAt {
				t.Errorf("first drop at call %d, want %d", firstDrop, tt.wantDropAt)
			}
			if g.Dropped() != (tt.wantDropAt != 0) {
				t.Errorf("Dropped() = %v", g.Dropped())
			}
		})
	}
}

func TestBanAfterDropsExpiryAndUnban(t *testing.T) {
	clk := newFakeClock()
	p := NewPenalties(PenaltyOptions{Clock: clk.Now, BanAfterDrops: 3, BanWindow: 10 * time.Minute, BanDuration: time.Hour})
	ip := netip.MustParseAddr("198.51.100.9")
	dropSession := func() {
		g := NewGuard(ip, false, p, 1, 0)
		if !g.BadCommand() {
			t.Fatal("BadCommand with max 1 did not drop")
		}
	}
	dropSession()
	dropSession()
	clk.Advance(11 * time.Minute) // the first two drops leave the window
	dropSession()
	dropSession()
	if _, banned := p.Banned(ip); banned {
		t.Fatal("banned after 2 drops in the window, want not yet")
	}
	dropSession()
	b, banned := p.Banned(ip)
	if !banned || b.Reason != DropBadCommands || !b.Until.Equal(clk.Now().Add(time.Hour)) {
		t.Fatalf("Banned = %+v, %v; want a ban for an hour for bad commands", b, banned)
	}
	if bans := p.Bans(); len(bans) != 1 || bans[0].IP != ip {
		t.Errorf("Bans() = %+v, want one for %s", bans, ip)
	}
	clk.Advance(time.Hour)
	if _, banned := p.Banned(ip); banned {
		t.Error("ban still in force after its expiry")
	}
	if bans := p.Bans(); len(bans) != 0 {
		t.Errorf("Bans() after expiry = %+v, want none", bans)
	}

	p.Ban(ip, 0, "manual")
	other := p.Ban(netip.MustParseAddr("::ffff:192.0.2.1"), time.Minute, "manual")
	if other.IP != netip.MustParseAddr("192.0.2.1") {
		t.Errorf("Ban stored %s, want the unmapped address", other.IP)
	}
	if bans := p.Bans(); len(bans) != 2 || bans[0].IP.String() != "192.0.2.1" {
		t.Errorf("Bans() = %+v, want two, ordered by IP", bans)
	}
	if !p.Unban(ip) {
		t.Error("Unban of a banned IP = false")
	}
	if p.Unban(ip) {
		t.Error("second Unban = true")
	}
	if p.Unban(netip.MustParseAddr("203.0.113.1")) {
		t.Error("Unban of an unknown IP = true")
	}
}

func TestTrustedGuardNeverDelayedOrBanned(t *testing.T) {
	p := NewPenalties(PenaltyOptions{Clock: newFakeClock().Now, BanAfterDrops: 1})
	ip := netip.MustParseAddr("192.0.2.1")
	for range 5 {
		g := NewGuard(ip, true, p, 2, 2)
		if d, _ := g.AuthFailed([]byte("x")); d != 0 {
			t.Fatalf("trusted AuthFailed delay = %v, want 0", d)
		}
		if _, drop := g.AuthFailed([]byte("y")); !drop {
			t.Fatal("trusted session not dropped after MaxAuthFailures")
		}
	}
	if _, banned := p.Banned(ip); banned {
		t.Error("trusted IP banned")
	}
	if len(p.ips) != 0 {
		t.Errorf("table holds %d entries for a trusted IP, want 0", len(p.ips))
	}
}

func TestPenaltiesSweep(t *testing.T) {
	clk := newFakeClock()
	p := NewPenalties(PenaltyOptions{Clock: clk.Now, BanAfterDrops: -1})
	for i := range 100 {
		NewGuard(netip.AddrFrom4([4]byte{10, 0, 0, byte(i)}), false, p, 0, 0).AuthFailed(nil)
	}
	clk.Advance(2 * time.Hour)
	NewGuard(netip.MustParseAddr("10.1.0.0"), false, p, 0, 0).AuthFailed(nil)
	if len(p.ips) != 1 {
		t.Errorf("table has %d entries after expiry, want 1", len(p.ips))
	}
}
