package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func loadYAML(t *testing.T, body string) (*Config, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "axd.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return Load(path, nil)
}

func TestListenerDefaultsByService(t *testing.T) {
	c, err := loadYAML(t, "listeners:\n  mx2:\n    service: smtp\n    listen: 127.0.0.1:0\n    tls: none\n  imap2:\n    service: imap\n    listen: 127.0.0.1:0\n    tls: none\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name          string
		idle, session time.Duration
	}{
		{"smtp", 5 * time.Minute, time.Hour}, {"mx2", 5 * time.Minute, time.Hour}, {"lmtp", 5 * time.Minute, time.Hour},
		{"imap", 30 * time.Minute, 0}, {"imap2", 30 * time.Minute, 0}, {"pop3", 10 * time.Minute, time.Hour},
	} {
		l := c.Listeners[tc.name]
		if time.Duration(l.IdleTimeout) != tc.idle || time.Duration(l.SessionTimeout) != tc.session ||
			l.MaxBadCommands != 20 || l.MaxAuthFailures != 3 || l.InsecureAuth || len(l.RelayNetworks) != 0 || len(l.Rules) != 0 {
			t.Errorf("listener %s = %+v, want idle %v session %v and the defaults", tc.name, l, tc.idle, tc.session)
		}
	}
	s := c.Services
	if s.SMTP.MaxSessions != 1000 || s.Submission.MaxSessions != 1000 || s.LMTP.MaxSessions != 200 || s.IMAP.MaxSessions != 2000 || s.POP3.MaxSessions != 500 {
		t.Errorf("services = %+v", s)
	}
	if s.Of("submission") != s.Submission || s.Of("ftp") != (Service{}) {
		t.Errorf("ServiceLimits.Of mismatched")
	}
	p := c.Penalties
	if p.BanAfterDrops != 5 || p.BanWindow != Duration(10*time.Minute) || p.BanDuration != Duration(time.Hour) ||
		p.AuthDelay != Duration(2*time.Second) || p.MaxAuthDelay != Duration(15*time.Second) {
		t.Errorf("penalties = %+v", p)
	}
	if c.TLS != (TLS{}) {
		t.Errorf("tls = %+v, want none (self-signed)", c.TLS)
	}
}

func TestListenerKeysFromFileAndEnv(t *testing.T) {
	t.Setenv("AXD_LISTENERS_SMTP_MAX_BAD_COMMANDS", "7")
	t.Setenv("AXD_LISTENERS_SMTP_INSECURE_AUTH", "true")
	t.Setenv("AXD_LISTENERS_MX2_IDLE_TIMEOUT", "42s")
	t.Setenv("AXD_SERVICES_IMAP_MAX_SESSIONS", "9")
	t.Setenv("AXD_PENALTIES_BAN_AFTER_DROPS", "0")
	t.Setenv("AXD_LISTENERS_SMTP_RELAY_NETWORKS", "10.0.0.0/8,192.0.2.1")
	c, err := loadYAML(t, `listeners:
  smtp:
    rules:
      - {match: 192.0.2.0/24, action: deny}
      - {match: "*", action: limit, max_connections_per_ip: 5, rate_per_ip: 10, rate_interval: 30s}
  mx2:
    service: smtp
    listen: 127.0.0.1:0
    tls: none
`)
	if err != nil {
		t.Fatal(err)
	}
	smtp := c.Listeners["smtp"]
	if smtp.MaxBadCommands != 7 || !smtp.InsecureAuth || len(smtp.Rules) != 2 || strings.Join(smtp.RelayNetworks, " ") != "10.0.0.0/8 192.0.2.1" {
		t.Fatalf("smtp = %+v", smtp)
	}
	if r := smtp.Rules[1]; r.Match != "*" || r.Action != "limit" || r.MaxConnectionsPerIP != 5 || r.RatePerIP != 10 || r.RateInterval != Duration(30*time.Second) {
		t.Errorf("rule 1 = %+v", r)
	}
	lr := ListenerRules(smtp.Rules)
	if lr[1].RateInterval != 30*time.Second || lr[0].Action != "deny" || lr[0].Match != "192.0.2.0/24" {
		t.Errorf("ListenerRules = %+v", lr)
	}
	if got := c.Listeners["mx2"].IdleTimeout; got != Duration(42*time.Second) {
		t.Errorf("mx2 idle = %v, want the AXD_ override", got)
	}
	if c.Services.IMAP.MaxSessions != 9 || c.Penalties.BanAfterDrops != 0 {
		t.Errorf("services %+v, penalties %+v", c.Services, c.Penalties)
	}
}

func TestListenerKeysAreValidated(t *testing.T) {
	dir := t.TempDir()
	cert := filepath.Join(dir, "cert.pem")
	os.WriteFile(cert, []byte("x"), 0o600)
	for _, tc := range []struct{ name, body, want string }{
		{"rule match", "listeners:\n  smtp:\n    rules:\n      - {match: 300.1.1.1, action: allow}\n", "listeners.smtp.rules[0].match"},
		{"rule action", "listeners:\n  smtp:\n    rules:\n      - {match: '*', action: limit}\n      - {match: '*', action: maybe}\n", "listeners.smtp.rules[1].action"},
		{"rule max_connections", "listeners:\n  lmtp:\n    rules:\n      - {match: '*', action: limit, max_connections: -1}\n", "listeners.lmtp.rules[0].max_connections"},
		{"rule max_connections_per_ip", "listeners:\n  imap:\n    rules:\n      - {match: '*', action: limit, max_connections_per_ip: -2}\n", "listeners.imap.rules[0].max_connections_per_ip"},
		{"rule rate", "listeners:\n  smtp:\n    rules:\n      - {match: '*', action: limit, rate: -1}\n", "listeners.smtp.rules[0].rate"},
		{"rule rate_per_ip", "listeners:\n  smtp:\n    rules:\n      - {match: '*', action: limit, rate_per_ip: -1}\n", "listeners.smtp.rules[0].rate_per_ip"},
		{"rule rate_interval", "listeners:\n  smtp:\n    rules:\n      - {match: '*', action: limit, rate_interval: -1s}\n", "listeners.smtp.rules[0].rate_interval"},
		{"rule unknown key", "listeners:\n  smtp:\n    rules:\n      - {match: '*', action: limit, burst: 3}\n", "burst"},
		{"relay_networks", "listeners:\n  smtp:\n    relay_networks: [10.0.0.0/8, 10.1.2.3/8]\n", "listeners.smtp.relay_networks[1]"},
		{"relay_networks junk", "listeners:\n  smtp:\n    relay_networks: [everyone]\n", "listeners.smtp.relay_networks[0]"},
		{"insecure_auth", "listeners:\n  smtp:\n    insecure_auth: perhaps\n", "insecure_auth"},
		{"max_bad_commands", "listeners:\n  smtp:\n    max_bad_commands: -1\n", "listeners.smtp.max_bad_commands"},
		{"max_auth_failures", "listeners:\n  imap:\n    max_auth_failures: -1\n", "listeners.imap.max_auth_failures"},
		{"idle_timeout", "listeners:\n  pop3:\n    idle_timeout: -5s\n", "listeners.pop3.idle_timeout"},
		{"session_timeout", "listeners:\n  pop3:\n    session_timeout: -5s\n", "listeners.pop3.session_timeout"},
		{"tls cert alone", "tls:\n  cert: " + cert + "\n", "tls: set both"},
		{"tls missing file", "tls:\n  cert: " + cert + "\n  key: " + filepath.Join(dir, "none.pem") + "\n", "tls.key"},
		{"max_sessions", "services:\n  submission:\n    max_sessions: -1\n", "services.submission.max_sessions"},
		{"unknown service", "services:\n  ftp:\n    max_sessions: 1\n", "ftp"},
		{"ban_after_drops", "penalties:\n  ban_after_drops: -1\n", "penalties.ban_after_drops"},
		{"ban_window", "penalties:\n  ban_window: 0s\n", "penalties.ban_window"},
		{"ban_duration", "penalties:\n  ban_duration: -1m\n", "penalties.ban_duration"},
		{"auth_delay", "penalties:\n  auth_delay: -1s\n", "penalties.auth_delay"},
		{"max_auth_delay", "penalties:\n  auth_delay: 10s\n  max_auth_delay: 5s\n", "penalties.max_auth_delay"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadYAML(t, tc.body)
			if err == nil || !IsConfigError(err) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Load = %v, want a config error naming %q", err, tc.want)
			}
		})
	}
	// Several listeners may ask for a free port; a fixed port stays unique.
	if _, err := loadYAML(t, "listeners:\n  smtp:\n    listen: 127.0.0.1:0\n  lmtp:\n    listen: 127.0.0.1:0\n"); err != nil {
		t.Errorf("two listeners on port 0: %v", err)
	}
	if _, err := loadYAML(t, "tls:\n  cert: "+cert+"\n  key: "+cert+"\n"); err != nil {
		t.Errorf("readable cert and key: %v", err)
	}
}

func TestRelayPrefixes(t *testing.T) {
	l := Listener{RelayNetworks: []string{"10.0.0.0/8", "192.0.2.7", "2001:db8::/32", "::ffff:198.51.100.1"}}
	var got []string
	for _, p := range l.RelayPrefixes() {
		got = append(got, p.String())
	}
	if want := "10.0.0.0/8 192.0.2.7/32 2001:db8::/32 198.51.100.1/32"; strings.Join(got, " ") != want {
		t.Errorf("RelayPrefixes = %v, want %s", got, want)
	}
}
