package listener

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Actions a Rule can take.
const (
	// ActionAllow admits the client and trusts it: an IP matched by an allow
	// rule is never delayed after a failed AUTH, never banned, and an
	// existing ban does not refuse it. The rule's limits still apply.
	ActionAllow = "allow"
	// ActionLimit admits the client subject to the rule's limits and to the
	// automatic penalties. It is the action for rules that cover the public.
	ActionLimit = "limit"
	// ActionDeny refuses the client with ReasonDenied.
	ActionDeny = "deny"
)

// DefaultRateInterval is the rate interval of a rule that sets Rate or
// RatePerIP but no RateInterval.
const DefaultRateInterval = time.Minute

// Rule is one entry of a listener's ordered rule list, in a form that maps
// directly onto the configuration file. Rules are matched in order on the
// client's IP address and the first match wins. A client that matches no
// rule is admitted with no per-rule limits and is subject to penalties, as
// under a "limit" rule with no limits.
type Rule struct {
	// Match is a single address ("192.0.2.7", "2001:db8::1"), a CIDR prefix
	// ("192.0.2.0/24", "2001:db8::/32"; host bits are ignored) or "*" for
	// every IP address. IPv4-mapped IPv6 clients (::ffff:192.0.2.7) match
	// IPv4 rules. Zones ("fe80::1%eth0") are refused.
	Match string `json:"match" yaml:"match"`
	// Action is "allow", "limit" or "deny" (see ActionAllow, ActionLimit,
	// ActionDeny); matched case-insensitively.
	Action string `json:"action" yaml:"action"`
	// MaxConnections caps the simultaneous connections of all the clients
	// matching this rule together. 0 means no limit.
	MaxConnections int `json:"max_connections,omitempty" yaml:"max_connections,omitempty"`
	// MaxConnectionsPerIP caps the simultaneous connections of each remote
	// IP address matching this rule. 0 means no limit.
	MaxConnectionsPerIP int `json:"max_connections_per_ip,omitempty" yaml:"max_connections_per_ip,omitempty"`
	// Rate caps the connections admitted under this rule, all clients
	// together, per RateInterval. 0 means no limit.
	Rate int `json:"rate,omitempty" yaml:"rate,omitempty"`
	// RatePerIP caps the connections admitted per remote IP address per
	// RateInterval. 0 means no limit.
	RatePerIP int `json:"rate_per_ip,omitempty" yaml:"rate_per_ip,omitempty"`
	// RateInterval is the window of Rate and RatePerIP. 0 means
	// DefaultRateInterval.
	RateInterval time.Duration `json:"rate_interval,omitempty" yaml:"rate_interval,omitempty"`
}

// RuleError reports a bad field of one rule.
type RuleError struct {
	Index int    // position of the rule in the list, from 0
	Field string // snake_case field name, as in the config file
	Err   error
}

func (e *RuleError) Error() string {
	return fmt.Sprintf("rule %d: %s: %v", e.Index, e.Field, e.Err)
}

func (e *RuleError) Unwrap() error { return e.Err }

// ErrBadRule is wrapped by every RuleError.
var ErrBadRule = errors.New("listener: bad rule")

// Validate reports every problem of the rule at once, each as a *RuleError
// with Index 0; ParseRules sets the real index.
func (r Rule) Validate() error {
	_, err := compileRule(0, r)
	return err
}

// Rules is a validated, compiled rule list. Its zero value (and nil) has no
// rules. It is immutable and safe for concurrent use.
type Rules struct {
	rules []compiledRule
}

type compiledRule struct {
	Rule
	any      bool
	prefix   netip.Prefix
	action   string // normalised
	interval time.Duration
}

// ParseRules validates and compiles rules. It reports every problem at once,
// joined, each a *RuleError naming the rule's index and field.
func ParseRules(rules []Rule) (*Rules, error) {
	out := &Rules{rules: make([]compiledRule, 0, len(rules))}
	var errs []error
	for i, r := range rules {
		c, err := compileRule(i, r)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out.rules = append(out.rules, c)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

func compileRule(i int, r Rule) (compiledRule, error) {
	c := compiledRule{Rule: r, interval: r.RateInterval}
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &RuleError{Index: i, Field: field, Err: fmt.Errorf("%w: "+format, append([]any{ErrBadRule}, args...)...)})
	}
	p, err := parseMatch(r.Match)
	switch {
	case err != nil:
		bad("match", "%v", err)
	case !p.IsValid():
		c.any = true
	default:
		c.prefix = p
	}
	switch a := strings.ToLower(strings.TrimSpace(r.Action)); a {
	case ActionAllow, ActionLimit, ActionDeny:
		c.action = a
	default:
		bad("action", "%q is not allow, limit or deny", r.Action)
	}
	for _, f := range []struct {
		name string
		v    int
	}{
		{"max_connections", r.MaxConnections},
		{"max_connections_per_ip", r.MaxConnectionsPerIP},
		{"rate", r.Rate},
		{"rate_per_ip", r.RatePerIP},
	} {
		if f.v < 0 {
			bad(f.name, "%d is negative", f.v)
		}
	}
	if r.RateInterval < 0 {
		bad("rate_interval", "%v is negative", r.RateInterval)
	}
	if c.interval == 0 {
		c.interval = DefaultRateInterval
	}
	if len(errs) > 0 {
		return compiledRule{}, errors.Join(errs...)
	}
	return c, nil
}

// parseMatch parses a rule's Match. It returns the zero Prefix for "*".
func parseMatch(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return netip.Prefix{}, errors.New("empty")
	case s == "*":
		return netip.Prefix{}, nil
	case strings.Contains(s, "%"):
		return netip.Prefix{}, fmt.Errorf("%q has a zone", s)
	case strings.Contains(s, "/"):
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not an address or CIDR prefix", s)
		}
		if p.Addr().Is4In6() {
			return netip.Prefix{}, fmt.Errorf("%q: write IPv4-mapped prefixes in IPv4 form", s)
		}
		return p.Masked(), nil
	default:
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not an address or CIDR prefix", s)
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
}

// Len reports the number of rules.
func (rs *Rules) Len() int {
	if rs == nil {
		return 0
	}
	return len(rs.rules)
}

// Rule returns the i-th rule as configured.
func (rs *Rules) Rule(i int) Rule { return rs.rules[i].Rule }

// Match returns the index of the first rule matching ip, or -1 when none
// does. ip is unmapped and stripped of its zone first; an invalid ip (a
// client on a unix socket) matches no rule.
func (rs *Rules) Match(ip netip.Addr) int {
	if rs == nil || !ip.IsValid() {
		return -1
	}
	ip = ip.Unmap().WithZone("")
	for i := range rs.rules {
		r := &rs.rules[i]
		if r.any || r.prefix.Contains(ip) {
			return i
		}
	}
	return -1
}
