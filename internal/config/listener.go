package config

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/axmail/axmail/internal/listener"
)

// Listener is one network listener.
type Listener struct {
	Service string `mapstructure:"service" yaml:"service"` // smtp, submission, lmtp, imap, pop3
	Listen  string `mapstructure:"listen" yaml:"listen"`   // host:port; empty disables; port 0 picks a free one
	TLS     string `mapstructure:"tls" yaml:"tls"`         // none, starttls, implicit
	// Rules are the ordered client rules, first match wins (see
	// internal/listener); none means every client is admitted.
	Rules []Rule `mapstructure:"rules" yaml:"rules"`
	// InsecureAuth allows plaintext AUTH without TLS from non-loopback
	// clients.
	InsecureAuth bool `mapstructure:"insecure_auth" yaml:"insecure_auth"`
	// RelayNetworks are the addresses or CIDR prefixes allowed to relay
	// without AUTH; none by default, loopback included.
	RelayNetworks []string `mapstructure:"relay_networks" yaml:"relay_networks"`
	// MaxBadCommands drops a session after this many bad commands; 0
	// means never.
	MaxBadCommands int `mapstructure:"max_bad_commands" yaml:"max_bad_commands"`
	// MaxAuthFailures drops a session after this many failed AUTHs; 0
	// means never.
	MaxAuthFailures int `mapstructure:"max_auth_failures" yaml:"max_auth_failures"`
	// IdleTimeout ends a connection idle this long; 0 means never.
	IdleTimeout Duration `mapstructure:"idle_timeout" yaml:"idle_timeout"`
	// SessionTimeout ends a connection this long after it was accepted,
	// active or not; 0 means never.
	SessionTimeout Duration `mapstructure:"session_timeout" yaml:"session_timeout"`
}

// Rule is one client rule of a listener, as internal/listener's Rule.
type Rule struct {
	Match               string   `mapstructure:"match" yaml:"match"`   // address, CIDR prefix or "*"
	Action              string   `mapstructure:"action" yaml:"action"` // allow, limit, deny
	MaxConnections      int      `mapstructure:"max_connections" yaml:"max_connections,omitempty"`
	MaxConnectionsPerIP int      `mapstructure:"max_connections_per_ip" yaml:"max_connections_per_ip,omitempty"`
	Rate                int      `mapstructure:"rate" yaml:"rate,omitempty"`
	RatePerIP           int      `mapstructure:"rate_per_ip" yaml:"rate_per_ip,omitempty"`
	RateInterval        Duration `mapstructure:"rate_interval" yaml:"rate_interval,omitempty"` // 0 means 1m
}

// ListenerRules converts rules for internal/listener.
func ListenerRules(rules []Rule) []listener.Rule {
	out := make([]listener.Rule, len(rules))
	for i, r := range rules {
		out[i] = listener.Rule{Match: r.Match, Action: r.Action, MaxConnections: r.MaxConnections,
			MaxConnectionsPerIP: r.MaxConnectionsPerIP, Rate: r.Rate, RatePerIP: r.RatePerIP,
			RateInterval: time.Duration(r.RateInterval)}
	}
	return out
}

// TLS names the certificate every TLS listener presents.
type TLS struct {
	// Cert and Key are PEM files; both empty means a self-signed
	// certificate generated on first start in the data dir.
	Cert string `mapstructure:"cert" yaml:"cert"`
	Key  string `mapstructure:"key" yaml:"key"`
}

// Service holds what the listeners of one service share.
type Service struct {
	// MaxSessions caps the simultaneous connections of all the service's
	// listeners together (submission and submissions share one cap); 0
	// means no limit.
	MaxSessions int `mapstructure:"max_sessions" yaml:"max_sessions"`
}

// ServiceLimits are the per-service settings, keyed as Services.
type ServiceLimits struct {
	SMTP       Service `mapstructure:"smtp" yaml:"smtp"`
	Submission Service `mapstructure:"submission" yaml:"submission"`
	LMTP       Service `mapstructure:"lmtp" yaml:"lmtp"`
	IMAP       Service `mapstructure:"imap" yaml:"imap"`
	POP3       Service `mapstructure:"pop3" yaml:"pop3"`
}

// Of returns the settings of a service by name; an unknown name has none.
func (s ServiceLimits) Of(service string) Service {
	switch service {
	case "smtp":
		return s.SMTP
	case "submission":
		return s.Submission
	case "lmtp":
		return s.LMTP
	case "imap":
		return s.IMAP
	case "pop3":
		return s.POP3
	}
	return Service{}
}

// Penalties configures the per-IP penalty table that every listener
// shares: delays after failed AUTHs and bans after dropped sessions.
type Penalties struct {
	// BanAfterDrops bans an IP once this many of its sessions were dropped
	// (too many bad commands or failed AUTHs) within BanWindow; 0 means
	// never ban.
	BanAfterDrops int      `mapstructure:"ban_after_drops" yaml:"ban_after_drops"`
	BanWindow     Duration `mapstructure:"ban_window" yaml:"ban_window"`
	BanDuration   Duration `mapstructure:"ban_duration" yaml:"ban_duration"`
	// AuthDelay delays the replies to an IP after its first failed AUTH,
	// doubling per failure up to MaxAuthDelay; 0 means no delay.
	AuthDelay    Duration `mapstructure:"auth_delay" yaml:"auth_delay"`
	MaxAuthDelay Duration `mapstructure:"max_auth_delay" yaml:"max_auth_delay"`
}

// serviceDefaults are the defaults of a listener's keys by its service:
// idle timeouts as Postfix (smtpd_timeout 300s), Dovecot's IMAP (30 min,
// the RFC 9051 §5.4 minimum) and POP3 (10 min, RFC 1939 §3); the session
// timeout bounds a connection's whole life, except IMAP's, whose IDLE
// sessions legitimately last for days.
func serviceDefaults(service string) map[string]any {
	idle, session := "5m", "1h"
	switch service {
	case "imap":
		idle, session = "30m", "0s"
	case "pop3":
		idle = "10m"
	}
	return map[string]any{
		"rules":             []map[string]any{},
		"insecure_auth":     false,
		"relay_networks":    []string{},
		"max_bad_commands":  20,
		"max_auth_failures": 3,
		"idle_timeout":      idle,
		"session_timeout":   session,
	}
}

// listenerDefaults are the embedded listeners, with their service's
// defaults.
func listenerDefaults() map[string]any {
	m := make(map[string]any)
	for _, l := range []struct{ name, service, listen, tls string }{
		{"smtp", "smtp", "127.0.0.1:2525", "starttls"},
		{"submission", "submission", "127.0.0.1:5870", "starttls"},
		{"submissions", "submission", "", "implicit"},
		{"lmtp", "lmtp", "127.0.0.1:2424", "none"},
		{"imap", "imap", "127.0.0.1:1143", "starttls"},
		{"imaps", "imap", "", "implicit"},
		{"pop3", "pop3", "127.0.0.1:1110", "starttls"},
		{"pop3s", "pop3", "", "implicit"},
	} {
		p := "listeners." + l.name + "."
		m[p+"service"], m[p+"listen"], m[p+"tls"] = l.service, l.listen, l.tls
		for k, v := range serviceDefaults(l.service) {
			m[p+k] = v
		}
	}
	return m
}

// validateListenerKeys checks the keys of one listener besides service,
// listen and tls.
func validateListenerKeys(key string, l Listener, bad func(key, format string, args ...any)) {
	if _, err := listener.ParseRules(ListenerRules(l.Rules)); err != nil {
		for _, e := range flatten(err) {
			var re *listener.RuleError
			if errors.As(e, &re) {
				msg := strings.TrimPrefix(re.Err.Error(), listener.ErrBadRule.Error()+": ")
				bad(fmt.Sprintf("%s.rules[%d].%s", key, re.Index, re.Field), "%s", msg)
			} else {
				bad(key+".rules", "%v", e)
			}
		}
	}
	for i, n := range l.RelayNetworks {
		if err := checkNetwork(n); err != nil {
			bad(fmt.Sprintf("%s.relay_networks[%d]", key, i), "%v", err)
		}
	}
	for k, v := range map[string]int64{"max_bad_commands": int64(l.MaxBadCommands), "max_auth_failures": int64(l.MaxAuthFailures),
		"idle_timeout": int64(l.IdleTimeout), "session_timeout": int64(l.SessionTimeout)} {
		if v < 0 {
			bad(key+"."+k, "must not be negative")
		}
	}
}

// flatten undoes errors.Join.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// checkNetwork accepts an address or a CIDR prefix in canonical form.
func checkNetwork(s string) error {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return fmt.Errorf("%q is not an address or CIDR prefix", s)
		}
		if p.Masked() != p {
			return fmt.Errorf("%q has host bits set; the network is %s", s, p.Masked())
		}
		return nil
	}
	if _, err := netip.ParseAddr(s); err != nil || strings.Contains(s, "%") {
		return fmt.Errorf("%q is not an address or CIDR prefix", s)
	}
	return nil
}

// validateTLS checks that the certificate and key come together and can
// be read.
func validateTLS(t TLS, bad func(key, format string, args ...any)) {
	if (t.Cert == "") != (t.Key == "") {
		bad("tls", "set both tls.cert and tls.key, or neither for a self-signed certificate")
		return
	}
	for key, path := range map[string]string{"tls.cert": t.Cert, "tls.key": t.Key} {
		if path == "" {
			continue
		}
		if f, err := os.Open(path); err != nil {
			bad(key, "%v", err)
		} else {
			f.Close()
		}
	}
}

// validatePenalties checks the penalties section.
func validatePenalties(p Penalties, bad func(key, format string, args ...any)) {
	if p.BanAfterDrops < 0 {
		bad("penalties.ban_after_drops", "must not be negative (0 never bans)")
	}
	if p.BanWindow <= 0 {
		bad("penalties.ban_window", "must be positive")
	}
	if p.BanDuration <= 0 {
		bad("penalties.ban_duration", "must be positive")
	}
	if p.AuthDelay < 0 {
		bad("penalties.auth_delay", "must not be negative (0 means no delay)")
	}
	if p.MaxAuthDelay < p.AuthDelay {
		bad("penalties.max_auth_delay", "%v is below penalties.auth_delay %v", p.MaxAuthDelay, p.AuthDelay)
	}
}

// validateServices checks the services section.
func validateServices(s ServiceLimits, bad func(key, format string, args ...any)) {
	for _, name := range Services {
		if s.Of(name).MaxSessions < 0 {
			bad("services."+name+".max_sessions", "must not be negative (0 means no limit)")
		}
	}
}

// RelayPrefixes returns RelayNetworks as prefixes, a single address as
// its host prefix. Entries that do not parse (Validate refuses them) are
// left out.
func (l Listener) RelayPrefixes() []netip.Prefix {
	out := make([]netip.Prefix, 0, len(l.RelayNetworks))
	for _, n := range l.RelayNetworks {
		if p, err := netip.ParsePrefix(n); err == nil {
			out = append(out, p.Masked())
		} else if a, err := netip.ParseAddr(n); err == nil {
			a = a.Unmap()
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	return out
}
