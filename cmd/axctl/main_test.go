package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/axmail/axmail/internal/control"
	"github.com/axmail/axmail/internal/mailtest"
	"github.com/axmail/axmail/internal/store"
)

func TestStatusCompactCheck(t *testing.T) {
	d := mailtest.Start(t, mailtest.Options{})
	out, errOut, code := mailtest.Run(t, "", "axctl", "--socket", d.Socket, "status")
	if code != 0 || !strings.Contains(out, "data dir") || !strings.Contains(out, d.DataDir) {
		t.Fatalf("status = %d, %q, %q", code, out, errOut)
	}
	out, _, code = mailtest.Run(t, "", "axctl", "--config", d.Config, "status", "--json")
	var st control.Status
	if err := json.Unmarshal([]byte(out), &st); err != nil || code != 0 || st.PID != d.Cmd.Process.Pid {
		t.Fatalf("status --json = %d, %q", code, out)
	}
	out, _, code = mailtest.Run(t, "", "axctl", "--data-dir", d.DataDir, "compact", "--json")
	var res store.CompactResult
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 {
		t.Fatalf("compact = %d, %q", code, out)
	}
	out, _, code = mailtest.Run(t, "", "axctl", "--socket", d.Socket, "check")
	if code != 0 || !strings.Contains(out, "0 problems") {
		t.Fatalf("check = %d, %q", code, out)
	}
}

func TestUnreachableAndUsage(t *testing.T) {
	_, errOut, code := mailtest.Run(t, "", "axctl", "--socket", filepath.Join(t.TempDir(), "none.sock"), "status")
	if code != 69 || !strings.Contains(errOut, "unreachable") {
		t.Fatalf("status without axd = %d, %q; want 69", code, errOut)
	}
	_, _, code = mailtest.Run(t, "", "axctl", "status", "--bogus")
	if code != 64 {
		t.Fatalf("unknown flag = %d, want 64", code)
	}
	_, _, code = mailtest.Run(t, "", "axctl", "nonsense")
	if code != 64 {
		t.Fatalf("unknown command = %d, want 64", code)
	}
	out, _, code := mailtest.Run(t, "", "axctl", "--help")
	if code != 0 || !strings.Contains(out, "EXIT STATUS") {
		t.Fatalf("help = %d:\n%s", code, out)
	}
}
