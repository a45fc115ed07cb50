package store

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// The error of a refused lock names the holder the lock file records only
// while that process runs: a holder that does not record itself (flock(1))
// must not be reported as the last process that did.
func TestLockErrorNamesOnlyALiveHolder(t *testing.T) {
	done := exec.Command("true")
	if err := done.Run(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, record string
		named        bool
	}{
		{"live holder", "axd pid " + strconv.Itoa(os.Getpid()), true},
		{"exited holder", "axcompact pid " + strconv.Itoa(done.Process.Pid), false},
		{"no record", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, LockFile)
			if err := os.WriteFile(path, []byte(tc.record), 0o640); err != nil {
				t.Fatal(err)
			}
			// Another open file description conflicts with Lock's flock,
			// as another process would.
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
				t.Fatal(err)
			}
			l, err := Lock(dir, "test")
			if !errors.Is(err, ErrLocked) {
				l.Unlock()
				t.Fatalf("Lock = %v, want ErrLocked", err)
			}
			holds := strings.Contains(err.Error(), " holds ")
			if holds != tc.named || (tc.record != "" && !strings.Contains(err.Error(), tc.record)) {
				t.Fatalf("Lock error %q: names a holder %v, want %v, and should quote %q", err, holds, tc.named, tc.record)
			}
		})
	}
}
