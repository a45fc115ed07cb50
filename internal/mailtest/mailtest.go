package mailtest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/axmail/axmail/internal/control"
)

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// Binary returns the path of a freshly built axmail command (axd, axctl,
// axcompact, axmigrate), building all of them on first use.
func Binary(t testing.TB, name string) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "axmail-bin")
		if buildErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", binDir+string(filepath.Separator), "./cmd/...")
		cmd.Dir = moduleRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/...: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	p := filepath.Join(binDir, name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("no binary %s: %v", name, err)
	}
	return p
}

// Main runs a package's tests and removes the binaries built for them; a
// test package that uses Binary or Start calls it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

func moduleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Daemon is a running axd.
type Daemon struct {
	DataDir string
	Socket  string
	Config  string // path of its configuration file
	Cmd     *exec.Cmd
	log     *Buffer
	done    chan error
}

// Options for Start.
type Options struct {
	// Config is extra YAML merged into the generated configuration: its
	// maps merge key by key, so it may set listeners.smtp.listen (use
	// 127.0.0.1:0 and Daemon.Addr) without repeating the rest; any other
	// value replaces the generated one.
	Config string
	// DataDir reuses a data dir; empty means a new temporary one.
	DataDir string
	// Env adds environment variables (AXD_... overrides).
	Env []string
}

// Start runs axd on a temporary data dir with every network listener
// disabled unless Config sets one, and waits until its control socket
// answers. The daemon is stopped (SIGTERM) when the test ends.
func Start(t testing.TB, o Options) *Daemon {
	t.Helper()
	dir := o.DataDir
	if dir == "" {
		dir = t.TempDir()
	}
	cfgDir := t.TempDir()
	d := &Daemon{DataDir: dir, Socket: filepath.Join(dir, "control.sock"), Config: filepath.Join(cfgDir, "axd.yaml"), log: &Buffer{}, done: make(chan error, 1)}
	cfg := fmt.Sprintf("data_dir: %s\nmetrics:\n  listen: \"\"\nlog:\n  level: debug\nlisteners:\n", dir)
	for _, name := range []string{"smtp", "submission", "submissions", "lmtp", "imap", "imaps", "pop3", "pop3s"} {
		cfg += fmt.Sprintf("  %s:\n    listen: \"\"\n", name)
	}
	merged, err := mergeYAML(cfg, o.Config)
	if err != nil {
		t.Fatalf("mailtest: Options.Config: %v", err)
	}
	if err := os.WriteFile(d.Config, merged, 0o600); err != nil {
		t.Fatal(err)
	}
	d.Cmd = exec.Command(Binary(t, "axd"), "--config", d.Config)
	d.Cmd.Stdout, d.Cmd.Stderr = d.log, d.log
	d.Cmd.Env = append(cleanEnv(), o.Env...)
	if err := d.Cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { d.done <- d.Cmd.Wait() }()
	t.Cleanup(func() { d.Stop(t) })
	c := control.NewClient(d.Socket)
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := c.Status(context.Background()); err == nil {
			return d
		}
		select {
		case err := <-d.done:
			d.done <- err
			t.Fatalf("axd exited at start: %v\n%s", err, d.Log())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("axd did not answer on %s\n%s", d.Socket, d.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// mergeYAML merges extra into base, maps key by key.
func mergeYAML(base, extra string) ([]byte, error) {
	var b, e map[string]any
	if err := yaml.Unmarshal([]byte(base), &b); err != nil {
		return nil, err
	}
	if err := yaml.Unmarshal([]byte(extra), &e); err != nil {
		return nil, err
	}
	return yaml.Marshal(mergeMaps(b, e))
}

func mergeMaps(base, extra map[string]any) map[string]any {
	if base == nil {
		base = make(map[string]any)
	}
	for k, v := range extra {
		bm, ok1 := base[k].(map[string]any)
		em, ok2 := v.(map[string]any)
		if ok1 && ok2 {
			base[k] = mergeMaps(bm, em)
		} else {
			base[k] = v
		}
	}
	return base
}

// cleanEnv is the environment without AXD_ variables of the test runner.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AXD_") {
			env = append(env, kv)
		}
	}
	return env
}

// Client returns a control client for the daemon.
func (d *Daemon) Client() *control.Client { return control.NewClient(d.Socket) }

// Addr returns the address a listener is bound to (the port chosen for
// 127.0.0.1:0), from GET /v1/listeners; the test fails if the listener
// is not serving.
func (d *Daemon) Addr(t testing.TB, listener string) string {
	t.Helper()
	ls, err := d.Client().Listeners(context.Background())
	if err != nil {
		t.Fatalf("mailtest: listeners: %v", err)
	}
	for _, l := range ls {
		if l.Name == listener {
			if l.State != control.ListenerServing || l.Addr == "" {
				t.Fatalf("mailtest: listener %s is %s, not serving\n%s", listener, l.State, d.Log())
			}
			return l.Addr
		}
	}
	t.Fatalf("mailtest: no listener %s", listener)
	return ""
}

// Log returns what the daemon has logged so far.
func (d *Daemon) Log() string { return d.log.String() }

// Signal sends a signal to the daemon.
func (d *Daemon) Signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	if err := d.Cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}

// Wait waits for the daemon to exit and returns its exit code.
func (d *Daemon) Wait(t testing.TB, timeout time.Duration) int {
	t.Helper()
	select {
	case <-d.done:
		d.done <- nil
		return d.Cmd.ProcessState.ExitCode()
	case <-time.After(timeout):
		t.Fatalf("axd did not exit within %s\n%s", timeout, d.Log())
		return -1
	}
}

// Stop sends SIGTERM and waits; it is a no-op once the daemon exited.
func (d *Daemon) Stop(t testing.TB) {
	if d.Cmd.ProcessState != nil {
		return
	}
	_ = d.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
		d.done <- nil
	case <-time.After(30 * time.Second):
		_ = d.Cmd.Process.Kill()
		t.Errorf("axd did not stop on SIGTERM within 30s\n%s", d.Log())
	}
}

// Run runs an axmail command and returns stdout, stderr and exit code.
func Run(t testing.TB, stdin string, name string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(Binary(t, name), args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = cleanEnv()
	err := cmd.Run()
	if err != nil && cmd.ProcessState == nil {
		t.Fatalf("run %s: %v", name, err)
	}
	return out.String(), errb.String(), cmd.ProcessState.ExitCode()
}
