package daemon

import (
	"strings"
	"testing"

	"github.com/axmail/axmail/internal/config"
	"github.com/axmail/axmail/internal/listener"
)

func TestSMTPRefusal(t *testing.T) {
	for _, tc := range []struct {
		reason listener.Reason
		want   string
	}{
		{listener.ReasonDenied, "554 5.7.1 "},
		{listener.ReasonBanned, "421 4.7.0 "},
		{listener.ReasonBusy, "421 4.3.2 Too many connections, try again later\r\n"},
		{listener.ReasonRuleLimit, "421 4.3.2 "},
		{listener.ReasonIPLimit, "421 4.3.2 "},
		{listener.ReasonRate, "421 4.7.0 "},
		{listener.ReasonIPRate, "421 4.7.0 "},
	} {
		got := smtpRefusal(tc.reason)
		if !strings.HasPrefix(got, tc.want) || !strings.HasSuffix(got, "\r\n") || strings.Count(got, "\n") != 1 {
			t.Errorf("smtpRefusal(%v) = %q, want one line starting %q", tc.reason, got, tc.want)
		}
	}
}

func TestListenersChanged(t *testing.T) {
	base := func() *config.Config {
		return &config.Config{Listeners: map[string]config.Listener{"smtp": {Service: "smtp", Listen: "127.0.0.1:25",
			Rules: []config.Rule{{Match: "*", Action: "limit"}}}}}
	}
	for _, tc := range []struct {
		name   string
		change func(c *config.Config)
		want   bool
	}{
		{"nothing", func(*config.Config) {}, false},
		{"listen", func(c *config.Config) { l := c.Listeners["smtp"]; l.Listen = "127.0.0.1:26"; c.Listeners["smtp"] = l }, true},
		{"rule", func(c *config.Config) { c.Listeners["smtp"].Rules[0].Action = "deny" }, true},
		{"service cap", func(c *config.Config) { c.Services.SMTP.MaxSessions = 3 }, true},
		{"penalties", func(c *config.Config) { c.Penalties.BanAfterDrops = 2 }, true},
		{"tls", func(c *config.Config) { c.TLS.Cert = "x" }, true},
		{"log level", func(c *config.Config) { c.Log.Level = "debug" }, false},
	} {
		c := base()
		tc.change(c)
		if got := listenersChanged(base(), c); got != tc.want {
			t.Errorf("%s: listenersChanged = %v, want %v", tc.name, got, tc.want)
		}
	}
}
