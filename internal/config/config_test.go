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

func TestListenersAndUnknownKeys(t *testing.T) {
	t.Setenv("AXD_LISTENERS_IMAP_LISTEN", "127.0.0.1:11143")
	c, err := Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Listeners["imap"].Listen; got != "127.0.0.1:11143" {
		t.Fatalf("imap listen = %q, want the AXD_ override", got)
	}
	if c.Listeners["submission"].Listen != "127.0.0.1:5870" || c.Listeners["imaps"].Listen != "" {
		t.Fatalf("listeners = %+v", c.Listeners)
	}
	if c.Limits.IdleTimeout != Duration(30*60e9) || c.Limits.MaxMessageSize != 50<<20 {
		t.Fatalf("limits = %+v", c.Limits)
	}
	// An empty variable empties the key, as an empty value in the file does.
	t.Setenv("AXD_METRICS_LISTEN", "")
	if c, err := Load("", nil); err != nil || c.Metrics.Listen != "" {
		t.Fatalf("AXD_METRICS_LISTEN= gave %q, %v", c.Metrics.Listen, err)
	}
}

func TestBadKeysAreNamed(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "axd.yaml")
	for _, tc := range []struct{ name, body, want string }{
		{"unknown key", "stroe:\n  dirs: 4\n", "stroe"},
		{"bad service", "listeners:\n  extra:\n    service: ftp\n    listen: 127.0.0.1:21\n    tls: none\n", "listeners.extra.service"},
		{"bad listen", "listeners:\n  imap:\n    listen: nowhere\n", "listeners.imap.listen"},
		{"same address", "listeners:\n  pop3:\n    listen: 127.0.0.1:1143\n", "listeners.pop3.listen"},
		{"bad level", "log:\n  level: loud\n", "log.level"},
		{"bad duration", "limits:\n  idle_timeout: soon\n", "soon"},
		{"bad scheme", "auth:\n  scheme: md5\n", "auth.scheme"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.WriteFile(path, []byte(tc.body), 0o600)
			_, err := Load(path, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Load = %v, want an error naming %q", err, tc.want)
			}
		})
	}
}
