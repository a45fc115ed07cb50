package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Size
		bad  bool
	}{
		{"0", 0, false}, {"1024", 1024, false}, {"64M", 64 << 20, false}, {"64MiB", 64 << 20, false},
		{"2g", 2 << 30, false}, {"10 KB", 10 << 10, false}, {"1T", 1 << 40, false},
		{"", 0, true}, {"-1", 0, true}, {"12X", 0, true}, {"M", 0, true}, {"99999999999T", 0, true},
	} {
		got, err := ParseSize(tc.in)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("ParseSize(%q) = %v, %v; want %v (error %v)", tc.in, got, err, tc.want, tc.bad)
		}
	}
}

func TestLoadDefaultsFileAndEnv(t *testing.T) {
	c, err := Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "./axdata" || c.Store.Dirs != 16 || c.Store.ContainerSize != 64<<20 {
		t.Fatalf("defaults = %+v", c)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "axd.yaml")
	os.WriteFile(path, []byte("data_dir: /srv/mail\nstore:\n  dirs: 64\n  container_size: 128M\n  paths: [/a, /b]\n"), 0o600)
	t.Setenv("AXD_STORE_DIRS", "32")
	c, err = Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "/srv/mail" || c.Store.Dirs != 32 || c.Store.ContainerSize != 128<<20 || len(c.Store.Paths) != 2 {
		t.Fatalf("loaded = %+v", c)
	}
}

func TestValidateNamesEveryKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "axd.yaml")
	os.WriteFile(path, []byte("data_dir: ''\nstore:\n  dirs: 0\n  container_size: 1K\n  paths: [/a, /a]\n"), 0o600)
	_, err := Load(path, nil)
	if err == nil || !IsConfigError(err) {
		t.Fatalf("Load = %v, want a config error", err)
	}
	for _, key := range []string{"data_dir", "store.dirs", "store.container_size", "store.paths[1]"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error %q does not name %s", err, key)
		}
	}
	os.WriteFile(path, []byte("store:\n  container_size: lots\n"), 0o600)
	if _, err := Load(path, nil); err == nil || !strings.Contains(err.Error(), "lots") {
		t.Fatalf("bad size: %v", err)
	}
}
