package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/axmail/axmail/internal/control"
	"github.com/axmail/axmail/internal/mailtest"
	"github.com/axmail/axmail/internal/store"
)

func TestStatusAndStop(t *testing.T) {
	d := mailtest.Start(t, mailtest.Options{})
	st, err := d.Client().Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.PID != d.Cmd.Process.Pid || st.DataDir != d.DataDir {
		t.Fatalf("status = %+v", st)
	}
	fi, err := os.Stat(d.Socket)
	if err != nil || fi.Mode().Perm() != 0o660 || fi.Mode()&os.ModeSocket == 0 {
		t.Fatalf("socket mode = %v, %v; want a 0660 socket", fi.Mode(), err)
	}
	// A second daemon on the same data dir is refused: the lock is held.
	out, errOut, code := mailtest.Run(t, "", "axd", "--data-dir", d.DataDir)
	if code != 75 || !strings.Contains(errOut, "locked") {
		t.Fatalf("second axd = %d, %q %q; want 75", code, out, errOut)
	}
	d.Signal(t, syscall.SIGTERM)
	if code := d.Wait(t, 15*time.Second); code != 0 {
		t.Fatalf("axd exit on SIGTERM = %d\n%s", code, d.Log())
	}
	if _, err := os.Stat(d.Socket); !os.IsNotExist(err) {
		t.Fatalf("socket left behind: %v", err)
	}
}

func TestReloadOnSIGHUP(t *testing.T) {
	d := mailtest.Start(t, mailtest.Options{})
	cfg, _ := os.ReadFile(d.Config)
	os.WriteFile(d.Config, []byte(strings.Replace(string(cfg), "level: debug", "level: warn", 1)), 0o600)
	d.Signal(t, syscall.SIGHUP)
	waitLog(t, d, "configuration reloaded")
	// A broken configuration is refused and the running one kept.
	os.WriteFile(d.Config, []byte("store:\n  dirs: 0\n"), 0o600)
	d.Signal(t, syscall.SIGHUP)
	waitLog(t, d, "reload refused")
	if _, err := d.Client().Status(context.Background()); err != nil {
		t.Fatalf("status after a refused reload: %v", err)
	}
}

func waitLog(t *testing.T, d *mailtest.Daemon, s string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(d.Log(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("log never said %q:\n%s", s, d.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The socket is 0660, so others cannot even connect; behind that, peer
// credentials are checked: a socket opened up by mistake still refuses
// another user with 403 and a log line.
func TestSocketRefusesOtherUsers(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run a client as another uid")
	}
	d := mailtest.Start(t, mailtest.Options{})
	os.Chmod(filepath.Dir(d.DataDir), 0o755)
	os.Chmod(d.DataDir, 0o755)
	os.Chmod(d.Socket, 0o666)
	binDir, err := os.MkdirTemp("", "axd-client")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(binDir)
	os.Chmod(binDir, 0o755)
	client := filepath.Join(binDir, "client")
	if err := os.WriteFile(client+".go", []byte(clientProgram), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("go", "build", "-o", client, client+".go").CombinedOutput(); err != nil {
		t.Fatalf("build client: %v\n%s", err, out)
	}
	cmd := exec.Command(client, d.Socket)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("client as nobody: %v\n%s", err, out)
	}
	var got struct {
		Status int
		Body   struct {
			Error control.Error `json:"error"`
		}
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("client output %q: %v", out, err)
	}
	if got.Status != http.StatusForbidden || got.Body.Error.Code != control.CodeForbidden {
		t.Fatalf("as nobody: %+v, want 403 forbidden", got)
	}
	waitLog(t, d, "control connection refused")
	if !strings.Contains(d.Log(), "uid=65534") {
		t.Fatalf("refusal not logged with the uid:\n%s", d.Log())
	}
	// Root still gets in.
	if _, err := d.Client().Status(context.Background()); err != nil {
		t.Fatal(err)
	}
}

const clientProgram = `package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
)

func main() {
	c := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return net.Dial("unix", os.Args[1])
	}}}
	resp, err := c.Get("http://axd/v1/status")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var body any
	json.NewDecoder(resp.Body).Decode(&body)
	json.NewEncoder(os.Stdout).Encode(map[string]any{"Status": resp.StatusCode, "Body": body})
}
`

// axcompact runs through the daemon while axd holds the data dir.
func TestAxcompactOnline(t *testing.T) {
	dir := t.TempDir()
	s, err := store.Open(store.Options{DataDir: dir, ContainerSize: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	var del []uint32
	var mb store.MailboxID
	for i := range 40 {
		p, err := s.Append(context.Background(), "a@example.org", "INBOX", []byte(strings.Repeat("x", 4000)), 0, nil, time.Time{}, store.Quota{})
		if err != nil {
			t.Fatal(err)
		}
		mb = p.Mailbox
		if i%2 == 0 {
			del = append(del, p.UID)
		}
	}
	s.Remove(context.Background(), mb, del)
	s.Close()
	d := mailtest.Start(t, mailtest.Options{DataDir: dir})
	out, errOut, code := mailtest.Run(t, "", "axcompact", "run", "--config", d.Config, "--json")
	var res store.CompactResult
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 || res.Compacted == 0 {
		t.Fatalf("online run = %d, %q, %q", code, out, errOut)
	}
	out, errOut, code = mailtest.Run(t, "", "axcompact", "check", "--config", d.Config, "--json")
	var chk store.CheckResult
	if err := json.Unmarshal([]byte(out), &chk); err != nil || code != 0 || chk.Messages != 20 {
		t.Fatalf("online check = %d, %q, %q", code, out, errOut)
	}
	_, errOut, code = mailtest.Run(t, "", "axcompact", "check", "--rebuild-index", "--config", d.Config)
	if code != 75 || !strings.Contains(errOut, "offline only") {
		t.Fatalf("online rebuild = %d, %q; want 75", code, errOut)
	}
	// The daemon answers curl's way too: plain HTTP over the socket.
	c := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return net.Dial("unix", d.Socket)
	}}}
	resp, err := c.Get("http://axd/v1/nope")
	if err != nil || resp.StatusCode != 404 {
		t.Fatalf("unknown endpoint = %v, %v", resp, err)
	}
	resp.Body.Close()
}

func TestConfigCommands(t *testing.T) {
	out, _, code := mailtest.Run(t, "", "axd", "config", "print")
	if code != 0 || !strings.Contains(out, "container_size: 64M") || !strings.Contains(out, "listen: 127.0.0.1:5870") {
		t.Fatalf("config print = %d:\n%s", code, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("listeners:\n  imap:\n    tls: maybe\nlimits:\n  quota: lots\n"), 0o600)
	_, errOut, code := mailtest.Run(t, "", "axd", "config", "check", "--config", bad)
	if code != 78 || !strings.Contains(errOut, "lots") {
		t.Fatalf("config check = %d, %q; want 78", code, errOut)
	}
	out, _, code = mailtest.Run(t, "", "axd", "version")
	if code != 0 || !strings.HasPrefix(out, "axd ") {
		t.Fatalf("version = %d %q", code, out)
	}
	_, _, code = mailtest.Run(t, "", "axd", "--nope")
	if code != 64 {
		t.Fatalf("unknown flag exit = %d, want 64", code)
	}
}
