package main

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/axmail/axmail/internal/mailtest"
)

func TestMain(m *testing.M) { mailtest.Main(m) }

// hashOfSecret is {SHA512-CRYPT} of "secret", as imap.sh gives both servers.
const hashOfSecret = "{SHA512-CRYPT}$6$Vf96IiH55YE4tVQ6$WuGSXGK71TjoJcT97CAfwK0ZmVgZlMzQKoPK4QrEfy1TwYh9F12WyVRCNFrEcq8tXRqHnvBCdpBtwD7g8CTGN/"

const axdConfig = `
auth:
  rehash: false
listeners:
  imap:
    listen: 127.0.0.1:0
  pop3:
    listen: 127.0.0.1:0
`

// benchDaemon starts axd as imap.sh does: the accounts imported first,
// the store filled offline, then axd started again on the same data dir.
func benchDaemon(t *testing.T, specs ...string) *mailtest.Daemon {
	t.Helper()
	d := mailtest.Start(t, mailtest.Options{Config: axdConfig})
	csv := "email,password_hash\n"
	fillArgs := []string{"--data-dir", d.DataDir}
	for _, s := range specs {
		csv += strings.Split(s, ":")[0] + "," + hashOfSecret + "\n"
		fillArgs = append(fillArgs, "--account", s)
	}
	if out, errOut, code := mailtest.Run(t, csv, "axctl", "--socket", d.Socket, "import", "--create-domains", "-"); code != 0 {
		t.Fatalf("axctl import: exit %d\n%s%s", code, out, errOut)
	}
	t.Logf("accounts imported")
	d.Stop(t)
	t.Logf("axd stopped")
	var out bytes.Buffer
	if err := run("fill", fillArgs, &out); err != nil {
		t.Fatalf("fill: %v", err)
	}
	return mailtest.Start(t, mailtest.Options{Config: axdConfig, DataDir: d.DataDir})
}

// results parses "key value" lines.
func results(t *testing.T, out string) map[string]float64 {
	t.Helper()
	m := make(map[string]float64)
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			t.Fatalf("output line %q: no value", sc.Text())
		}
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			m[k] = f
		}
	}
	return m
}

func runOK(t *testing.T, cmd string, args ...string) map[string]float64 {
	t.Helper()
	defer func(start time.Time) { t.Logf("%s took %s", cmd, time.Since(start).Round(time.Millisecond)) }(time.Now())
	var out bytes.Buffer
	if err := run(cmd, args, &out); err != nil {
		t.Fatalf("%s %v: %v\n%s", cmd, args, err, out.String())
	}
	return results(t, out.String())
}

func TestAgainstAxd(t *testing.T) {
	d := benchDaemon(t, "fetch@bench.test:40:2048", "pop@bench.test:15:1000", "a1@bench.test:0:0", "a2@bench.test:0:0")
	imapAddr, pop3Addr := d.Addr(t, "imap"), d.Addr(t, "pop3")
	tgt := "axd=" + imapAddr
	login := []string{"--user", "fetch@bench.test", "--pass", "secret"}

	r := runOK(t, "fetch", append(login, "--target", tgt, "--batch", "7", "--size", "2048", "--messages", "40", "--rounds", "2")...)
	if r["fetch.axd.messages"] != 40 || r["fetch.axd.rate"] <= 0 || r["fetch.axd.mbps"] <= 0 {
		t.Errorf("fetch results: %v", r)
	}
	r = runOK(t, "select", append(login, "--target", tgt, "--messages", "40", "--rounds", "3")...)
	if r["select.axd.messages"] != 40 || r["select.axd.select_ms"] <= 0 || r["select.axd.flags_ms"] <= 0 {
		t.Errorf("select results: %v", r)
	}
	for _, depth := range []string{"1", "4"} {
		r = runOK(t, "pop3", "--target", "axd="+pop3Addr, "--user", "pop@bench.test", "--pass", "secret",
			"--depth", depth, "--size", "1000", "--messages", "15", "--rounds", "2")
		if key := "pop3.d" + depth + ".axd.messages"; r[key] != 15 {
			t.Errorf("pop3 depth %s results: %v", depth, r)
		}
	}
	r = runOK(t, "append", "--target", tgt, "--users", "a1@bench.test,a2@bench.test", "--pass", "secret",
		"--messages", "21", "--size", "3000", "--rounds", "2")
	if r["append.axd.messages"] != 21 || r["append.axd.p99_ms"] <= 0 {
		t.Errorf("append results: %v", r)
	}
	// Two rounds of 21 over two accounts: 42 messages stored in all.
	stored := 0
	for _, u := range []string{"a1@bench.test", "a2@bench.test"} {
		c, n, _, err := openSelected(imapAddr, u, "secret", "INBOX", 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		logout(c)
		stored += n
	}
	if stored != 42 {
		t.Errorf("after two rounds of 21 APPENDs the INBOXes hold %d messages, want 42", stored)
	}
	r = runOK(t, "idle", append(login, "--addr", imapAddr, "--conns", "12", "--pid", strconv.Itoa(d.Cmd.Process.Pid),
		"--settle", "100ms")...)
	if r["idle.conns"] != 12 || r["idle.procs"] != 1 || r["idle.rss_before"] <= 0 {
		t.Errorf("idle results: %v", r)
	}
}

// TestChecksFail: a count or size other than what the server holds, or a
// wrong password, ends the run with an error instead of a figure.
func TestChecksFail(t *testing.T) {
	d := benchDaemon(t, "fetch@bench.test:5:2048")
	imapAddr, pop3Addr := d.Addr(t, "imap"), d.Addr(t, "pop3")
	tgt := "axd=" + imapAddr
	tests := []struct {
		name string
		cmd  string
		args []string
	}{
		{"fetch count", "fetch", []string{"--target", tgt, "--user", "fetch@bench.test", "--pass", "secret", "--messages", "6"}},
		{"fetch size", "fetch", []string{"--target", tgt, "--user", "fetch@bench.test", "--pass", "secret", "--size", "2047"}},
		{"select count", "select", []string{"--target", tgt, "--user", "fetch@bench.test", "--pass", "secret", "--messages", "4"}},
		{"pop3 size", "pop3", []string{"--target", "axd=" + pop3Addr, "--user", "fetch@bench.test", "--pass", "secret", "--size", "100"}},
		{"password", "fetch", []string{"--target", tgt, "--user", "fetch@bench.test", "--pass", "wrong"}},
		{"no target", "fetch", []string{"--user", "fetch@bench.test", "--pass", "secret"}},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		err := run(tt.cmd, append(tt.args, "--rounds", "1"), &out)
		if err == nil {
			t.Errorf("%s: %s %v succeeded:\n%s", tt.name, tt.cmd, tt.args, out.String())
		}
	}
	if err := run("nonsense", nil, &bytes.Buffer{}); err == nil {
		t.Error("unknown command: no error")
	}
}
