package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/axmail/axmail/internal/store"
)

var axcompact string // the binary under test

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "axcompact-test")
	if err != nil {
		panic(err)
	}
	axcompact = filepath.Join(dir, "axcompact")
	if out, err := exec.Command("go", "build", "-o", axcompact, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build axcompact: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// runTool runs axcompact with stdin closed and returns stdout, stderr and
// the exit code.
func runTool(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(axcompact, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = append(os.Environ(), "AXD_CONFIG=")
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run axcompact: %v", err)
	}
	return out.String(), errb.String(), code
}

// makeStore fills a store with n messages of 4 KiB in 64 KiB containers and
// removes every other one; it returns the data dir.
func makeStore(t *testing.T, n int) string {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	s, err := store.Open(store.Options{DataDir: dir, ContainerSize: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var uids []uint32
	var mb store.MailboxID
	for i := range n {
		body := fmt.Appendf(nil, "Subject: %d\r\n\r\n%s", i, bytes.Repeat([]byte("x"), 4096))
		p, err := s.Append(ctx, "a@example.org", "INBOX", body, 0, nil, time.Time{}, store.Quota{})
		if err != nil {
			t.Fatal(err)
		}
		mb = p.Mailbox
		if i%2 == 0 {
			uids = append(uids, p.UID)
		}
	}
	if _, err := s.Remove(ctx, mb, uids); err != nil {
		t.Fatal(err)
	}
	return dir
}

func containerFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "containers", "*", "*.axc"))
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestRunAndCheckAreSilentOnSuccess(t *testing.T) {
	dir := makeStore(t, 100)
	before := containerFiles(t, dir)
	out, errOut, code := runTool(t, "run", "--data-dir", dir, "--dry-run")
	if code != 0 || out != "" || errOut != "" {
		t.Fatalf("run --dry-run = %d, stdout %q, stderr %q", code, out, errOut)
	}
	if after := containerFiles(t, dir); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("--dry-run changed the containers: %v -> %v", before, after)
	}
	out, errOut, code = runTool(t, "run", "--data-dir", dir)
	if code != 0 || out != "" || errOut != "" {
		t.Fatalf("run = %d, stdout %q, stderr %q", code, out, errOut)
	}
	if after := containerFiles(t, dir); len(after) >= len(before) {
		t.Fatalf("run left %d containers of %d", len(after), len(before))
	}
	out, errOut, code = runTool(t, "check", "--data-dir", dir)
	if code != 0 || out != "" || errOut != "" {
		t.Fatalf("check = %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestJSONSummaries(t *testing.T) {
	dir := makeStore(t, 60)
	out, _, code := runTool(t, "run", "--data-dir", dir, "--json")
	var run store.CompactResult
	if err := json.Unmarshal([]byte(out), &run); err != nil || code != 0 {
		t.Fatalf("run --json = %d, %q: %v", code, out, err)
	}
	if run.Compacted == 0 || run.LiveRecords != 30 {
		t.Fatalf("run summary = %+v, want 30 live records moved", run)
	}
	out, _, code = runTool(t, "check", "--data-dir", dir, "--json")
	var chk store.CheckResult
	if err := json.Unmarshal([]byte(out), &chk); err != nil || code != 0 {
		t.Fatalf("check --json = %d, %q: %v", code, out, err)
	}
	if chk.Messages != 30 || len(chk.Problems) != 0 {
		t.Fatalf("check summary = %+v", chk)
	}
}

func TestCheckReportsFileAndOffset(t *testing.T) {
	dir := makeStore(t, 20)
	files := containerFiles(t, dir)
	victim := files[0]
	f, err := os.OpenFile(victim, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Inside the second record's body: records are about 4.2 KiB and the
	// first one (even) was removed, the second is live.
	f.WriteAt([]byte("CORRUPTION"), 6000)
	f.Close()
	out, errOut, code := runTool(t, "check", "--data-dir", dir)
	if code != 2 {
		t.Fatalf("check exit = %d, want 2; output %q", code, out)
	}
	if errOut != "" {
		t.Errorf("check with problems wrote %q on stderr; the problems go to stdout and nothing else is said", errOut)
	}
	if !regexp.MustCompile(regexp.QuoteMeta(victim) + ` at offset 4\d\d\d: `).MatchString(out) {
		t.Fatalf("check output does not name the second record of %s:\n%s", victim, out)
	}
	// Compaction does not delete the damaged container's live data.
	out, _, code = runTool(t, "run", "--data-dir", dir, "--threshold", "1")
	if code != 2 || !strings.Contains(out, "damaged: "+victim) {
		t.Fatalf("run on damaged store = %d, %q; want exit 2 naming %s", code, out, victim)
	}
	if _, err := os.Stat(victim); err != nil {
		t.Fatalf("damaged container removed: %v", err)
	}
	// Repair drops the damaged message; the rest is then clean but the
	// damaged bytes, which stay until compaction takes them.
	_, _, code = runTool(t, "check", "--data-dir", dir, "--repair")
	if code != 0 {
		t.Fatalf("check --repair exit = %d, want 0", code)
	}
	out, _, code = runTool(t, "run", "--data-dir", dir, "--threshold", "1")
	if code != 0 {
		t.Fatalf("run after repair = %d, %q", code, out)
	}
	out, _, code = runTool(t, "check", "--data-dir", dir)
	if code != 0 {
		t.Fatalf("check after repair and run = %d:\n%s", code, out)
	}
}

func TestLockHeldExits75(t *testing.T) {
	dir := makeStore(t, 4)
	lock, err := store.Lock(dir, "axd")
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Unlock()
	for _, cmd := range []string{"run", "check", "index"} {
		_, errOut, code := runTool(t, cmd, "--data-dir", dir)
		if code != 75 || !strings.Contains(errOut, "locked") || !strings.Contains(errOut, "axd pid") {
			t.Fatalf("%s with the lock held = %d, %q; want 75 naming the holder", cmd, code, errOut)
		}
	}
}

func TestRebuildIndex(t *testing.T) {
	dir := makeStore(t, 30)
	if err := os.Remove(filepath.Join(dir, store.IndexFile)); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := runTool(t, "check", "--data-dir", dir)
	if code == 0 || !strings.Contains(errOut, "rebuild-index") {
		t.Fatalf("check without index = %d, %q; want a failure pointing at --rebuild-index", code, errOut)
	}
	out, _, code := runTool(t, "check", "--data-dir", dir, "--rebuild-index", "--json")
	var res store.RebuildResult
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 || res.Messages != 15 {
		t.Fatalf("rebuild = %d, %+v, %v; want 15 messages", code, res, err)
	}
	if _, _, code := runTool(t, "check", "--data-dir", dir); code != 0 {
		t.Fatalf("check after rebuild = %d", code)
	}
}

func TestUsageAndConfigErrors(t *testing.T) {
	dir := makeStore(t, 2)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown flag", []string{"run", "--bogus"}, 64, "unknown flag"},
		{"bad threshold", []string{"run", "--data-dir", dir, "--threshold", "0"}, 64, "--threshold"},
		{"extra argument", []string{"check", "--data-dir", dir, "x"}, 64, "unknown command"},
		{"missing data dir", []string{"check", "--data-dir", filepath.Join(dir, "nope")}, 78, "nope"},
		{"bad config key", []string{"check", "--config", writeConfig(t, "store:\n  dirs: 0\n")}, 78, "store.dirs"},
		{"unreadable config", []string{"check", "--config", filepath.Join(dir, "missing.yaml")}, 78, "missing.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, code := runTool(t, tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Fatalf("axcompact %v = %d, %q; want %d mentioning %q", tc.args, code, errOut, tc.code, tc.want)
			}
		})
	}
	out, _, code := runTool(t, "run", "--help")
	if code != 0 || !strings.Contains(out, "EXIT STATUS") || !strings.Contains(out, "75") {
		t.Fatalf("run --help lacks EXIT STATUS:\n%s", out)
	}
}

func TestConfigFileSetsDataDir(t *testing.T) {
	dir := makeStore(t, 10)
	cfg := writeConfig(t, fmt.Sprintf("data_dir: %s\nstore:\n  container_size: 64K\n", dir))
	out, _, code := runTool(t, "check", "--config", cfg, "--json")
	var chk store.CheckResult
	if err := json.Unmarshal([]byte(out), &chk); err != nil || code != 0 || chk.Messages != 5 {
		t.Fatalf("check --config = %d, %q", code, out)
	}
}

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "axd.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// bloatIndex appends n small messages to a new store from 32 goroutines
// and removes all but every tenth in one call, which leaves most of
// index.db free pages; it returns the data dir.
func bloatIndex(t *testing.T, n int) string {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	s, err := store.Open(store.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var wg sync.WaitGroup
	var failed atomic.Value
	for w := range 32 {
		wg.Go(func() {
			for i := w; i < n; i += 32 {
				body := fmt.Appendf(nil, "Subject: %d\r\n\r\n%s", i, bytes.Repeat([]byte("x"), 200))
				if _, err := s.Append(ctx, "a@example.org", "INBOX", body, 0, nil, time.Time{}, store.Quota{}); err != nil {
					failed.Store(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		t.Fatal(err)
	}
	mb, err := s.GetMailbox("a@example.org", "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	uids, err := s.UIDs(mb.ID)
	if err != nil {
		t.Fatal(err)
	}
	var del []uint32
	for i, uid := range uids {
		if i%10 != 0 {
			del = append(del, uid)
		}
	}
	if _, err := s.Remove(ctx, mb.ID, del); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestIndexShrinksABloatedIndex(t *testing.T) {
	dir := bloatIndex(t, 6000)
	index := filepath.Join(dir, store.IndexFile)
	st, err := os.Stat(index)
	if err != nil {
		t.Fatal(err)
	}
	indexJSON := func(args ...string) store.IndexSpace {
		t.Helper()
		out, errOut, code := runTool(t, append([]string{"index", "--data-dir", dir, "--json"}, args...)...)
		var sp store.IndexSpace
		if err := json.Unmarshal([]byte(out), &sp); err != nil || code != 0 {
			t.Fatalf("index --json %v = %d, %q, stderr %q: %v", args, code, out, errOut, err)
		}
		return sp
	}
	dry := indexJSON("--dry-run")
	if dry.Rewritten || dry.FreeBytes < 2*dry.UsedBytes {
		t.Fatalf("dry run: %+v, want two thirds free and no rewrite", dry)
	}
	if now, _ := os.Stat(index); now.Size() != st.Size() {
		t.Fatalf("--dry-run rewrote index.db: %d bytes, was %d", now.Size(), st.Size())
	}
	if sp := indexJSON(); !sp.Rewritten || sp.BytesAfter >= sp.Bytes {
		t.Fatalf("index: %+v, want it rewritten smaller", sp)
	}
	if again := indexJSON(); again.Rewritten {
		t.Fatalf("second run rewrote the index again: %+v", again)
	}
	out, _, code := runTool(t, "check", "--data-dir", dir, "--json")
	var chk store.CheckResult
	if err := json.Unmarshal([]byte(out), &chk); err != nil || code != 0 || chk.Messages != 600 || len(chk.Problems) != 0 {
		t.Fatalf("check after the rewrite = %d, %+v, %v; want 600 messages and no problems", code, chk, err)
	}
	if _, _, code := runTool(t, "index", "--data-dir", dir, "--threshold", "101"); code != 64 {
		t.Fatalf("index --threshold 101 = %d, want 64", code)
	}
	if _, errOut, code := runTool(t, "index", "--data-dir", t.TempDir()); code != 78 || !strings.Contains(errOut, "has no index.db") {
		t.Fatalf("index of a directory without a store = %d, %q; want 78", code, errOut)
	}
}
