package durable

import (
	"os"
	"path/filepath"
	"testing"
)

// MakeDirs creates the missing directories of a path with the given
// permissions and accepts those that exist; a file in the way is an
// error.
func TestMakeDirs(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "containers", "01a")
	if err := MakeDirs(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() || st.Mode().Perm() != 0o700 {
		t.Fatalf("stat %s = %v, %v; want a directory with mode 0700", dir, st, err)
	}
	if err := MakeDirs(dir, 0o700); err != nil {
		t.Fatalf("second MakeDirs: %v", err)
	}
	blocker := filepath.Join(root, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := MakeDirs(filepath.Join(blocker, "sub"), 0o700); err == nil {
		t.Fatal("MakeDirs under a file succeeded")
	}
}

func TestSyncDir(t *testing.T) {
	if err := SyncDir(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if err := SyncDir(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Fatal("SyncDir of a missing directory succeeded")
	}
}
