package daemon

import (
	"strings"
	"testing"

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
