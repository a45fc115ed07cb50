package listener

import (
	"errors"
	"net/netip"
	"testing"
	"time"
)

func TestParseRulesErrors(t *testing.T) {
	tests := []struct {
		name   string
		rules  []Rule
		index  int
		fields []string
	}{
		{"empty match", []Rule{{Action: "allow"}}, 0, []string{"match"}},
		{"bad cidr", []Rule{{Match: "10.0.0.0/33", Action: "deny"}}, 0, []string{"match"}},
		{"bad ip", []Rule{{Match: "10.0.0.300", Action: "deny"}}, 0, []string{"match"}},
		{"zone", []Rule{{Match: "fe80::1%eth0", Action: "deny"}}, 0, []string{"match"}},
		{"mapped prefix", []Rule{{Match: "::ffff:10.0.0.0/104", Action: "deny"}}, 0, []string{"match"}},
		{"bad action", []Rule{{Match: "*", Action: "permit"}}, 0, []string{"action"}},
		{"second rule", []Rule{{Match: "*", Action: "allow"}, {Match: "::1", Action: "deny", MaxConnections: -1}}, 1, []string{"max_connections"}},
		{"every field", []Rule{{Match: "x", Action: "", MaxConnections: -1, MaxConnectionsPerIP: -1, Rate: -1, RatePerIP: -1, RateInterval: -time.Second}}, 0,
			[]string{"match", "action", "max_connections", "max_connections_per_ip", "rate", "rate_per_ip", "rate_interval"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRules(tt.rules)
			if err == nil {
				t.Fatalf("ParseRules(%+v) = nil error, want errors on %v", tt.rules, tt.fields)
			}
			if !errors.Is(err, ErrBadRule) {
				t.Errorf("error %v does not wrap ErrBadRule", err)
			}
			var got []string
			for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
				for _, e := range e.(interface{ Unwrap() []error }).Unwrap() {
					var re *RuleError
					if !errors.As(e, &re) {
						t.Fatalf("error %v is not a *RuleError", e)
					}
					if re.Index != tt.index {
						t.Errorf("RuleError.Index = %d, want %d (%v)", re.Index, tt.index, re)
					}
					got = append(got, re.Field)
				}
			}
			if len(got) != len(tt.fields) {
				t.Fatalf("fields = %v, want %v", got, tt.fields)
			}
			for i := range got {
				if got[i] != tt.fields[i] {
					t.Errorf("fields = %v, want %v", got, tt.fields)
				}
			}
		})
	}
}

func TestRuleValidate(t *testing.T) {
	if err := (Rule{Match: "192.0.2.0/24", Action: "LIMIT", Rate: 3}).Validate(); err != nil {
		t.Errorf("Validate() = %v, want nil", err)
	}
	if err := (Rule{Match: "192.0.2.0/24", Action: "maybe"}).Validate(); err == nil {
		t.Error("Validate() = nil, want an error for the action")
	}
}

func TestRulesMatch(t *testing.T) {
	rs, err := ParseRules([]Rule{
		{Match: "192.0.2.7", Action: "deny"},
		{Match: "192.0.2.0/24", Action: "allow"},
		{Match: "2001:db8::1", Action: "deny"},
		{Match: "2001:db8::/32", Action: "allow"},
		{Match: "10.1.2.3/8", Action: "limit"}, // host bits ignored
		{Match: "::1", Action: "allow"},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ip   string
		want int
	}{
		{"192.0.2.7", 0},
		{"192.0.2.8", 1},
		{"::ffff:192.0.2.7", 0},
		{"::ffff:192.0.2.9", 1},
		{"2001:db8::1", 2},
		{"2001:db8::2", 3},
		{"2001:db8:ffff::1", 3},
		{"fe80::1%eth0", -1},
		{"10.200.0.1", 4},
		{"11.0.0.1", -1},
		{"::1", 5},
		{"127.0.0.1", -1},
		{"2001:db9::1", -1},
	}
	for _, tt := range tests {
		if got := rs.Match(netip.MustParseAddr(tt.ip)); got != tt.want {
			t.Errorf("Match(%s) = %d, want %d", tt.ip, got, tt.want)
		}
	}
	if got := rs.Match(netip.Addr{}); got != -1 {
		t.Errorf("Match(invalid) = %d, want -1", got)
	}
	var none *Rules
	if got := none.Match(netip.MustParseAddr("::1")); got != -1 {
		t.Errorf("nil Rules Match = %d, want -1", got)
	}
}

func TestRulesAnyMatchesBothFamilies(t *testing.T) {
	rs, err := ParseRules([]Rule{{Match: "127.0.0.0/8", Action: "allow"}, {Match: "*", Action: "deny"}})
	if err != nil {
		t.Fatal(err)
	}
	for ip, want := range map[string]int{"127.0.0.1": 0, "::1": 1, "8.8.8.8": 1, "2001:db8::5": 1} {
		if got := rs.Match(netip.MustParseAddr(ip)); got != want {
			t.Errorf("Match(%s) = %d, want %d", ip, got, want)
		}
	}
}

func FuzzParseRules(f *testing.F) {
	for _, s := range []string{"192.0.2.0/24", "2001:db8::/32", "::1", "*", "fe80::1%eth0", "::ffff:1.2.3.4", "1.2.3.4/40", ""} {
		f.Add(s, "allow", "1.2.3.4")
	}
	f.Fuzz(func(t *testing.T, match, action, ip string) {
		rs, err := ParseRules([]Rule{{Match: match, Action: action}})
		if err != nil {
			var re *RuleError
			if !errors.As(err, &re) || !errors.Is(err, ErrBadRule) {
				t.Fatalf("ParseRules(%q, %q) error %v is not a RuleError", match, action, err)
			}
			return
		}
		a, err := netip.ParseAddr(ip)
		if err != nil {
			return
		}
		got := rs.Match(a)
		if got != 0 && got != -1 {
			t.Fatalf("Match(%s) = %d with one rule", a, got)
		}
		// The single address a rule names always matches it.
		if p, err := netip.ParseAddr(match); err == nil && p.Zone() == "" && rs.Match(p) != 0 {
			t.Fatalf("rule %q does not match its own address", match)
		}
	})
}
