package listener

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// With no files configured, the first call generates a self-signed P-256
// certificate for the host name with a 0600 key, and later calls reuse it.
func TestLoadOrCreateCertificateSelfSigned(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	var logs bytes.Buffer
	c1, err := LoadOrCreateCertificate("", "", data, "mx.example.org", slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatalf("LoadOrCreateCertificate: %v", err)
	}
	if !strings.Contains(logs.String(), "self-signed") {
		t.Errorf("generation not logged: %q", logs.String())
	}
	leaf, err := x509.ParseCertificate(c1.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := leaf.VerifyHostname("mx.example.org"); err != nil {
		t.Errorf("VerifyHostname: %v", err)
	}
	if _, ok := leaf.PublicKey.(*ecdsa.PublicKey); !ok {
		t.Errorf("public key is %T, want ECDSA", leaf.PublicKey)
	}
	fi, err := os.Stat(filepath.Join(data, "tls", SelfSignedKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key mode = %v, want 0600", fi.Mode().Perm())
	}
	logs.Reset()
	c2, err := LoadOrCreateCertificate("", "", data, "mx.example.org", slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatalf("second LoadOrCreateCertificate: %v", err)
	}
	if !bytes.Equal(c1.Certificate[0], c2.Certificate[0]) {
		t.Error("second start generated a new certificate")
	}
	if logs.Len() != 0 {
		t.Errorf("reuse logged %q", logs.String())
	}
	// The pair serves a real handshake.
	if _, err := tls.X509KeyPair(mustRead(t, filepath.Join(data, "tls", SelfSignedCertFile)), mustRead(t, filepath.Join(data, "tls", SelfSignedKeyFile))); err != nil {
		t.Errorf("stored pair: %v", err)
	}
}

// Configured files are loaded as they are; an error names the file.
func TestLoadOrCreateCertificateFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cert, key, err := selfSigned("imap.example.org", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cf, kf := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	writeFile(t, cf, cert)
	writeFile(t, kf, key)
	c, err := LoadOrCreateCertificate(cf, kf, t.TempDir(), "ignored", nil)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	leaf, _ := x509.ParseCertificate(c.Certificate[0])
	if leaf.Subject.CommonName != "imap.example.org" {
		t.Errorf("CN = %q", leaf.Subject.CommonName)
	}
	garbage := filepath.Join(dir, "garbage.pem")
	writeFile(t, garbage, []byte("not a pem"))
	for _, tc := range []struct {
		name, cert, key, want string
	}{
		{"missing cert", filepath.Join(dir, "none.pem"), kf, "none.pem"},
		{"missing key", cf, filepath.Join(dir, "nokey.pem"), "nokey.pem"},
		{"garbage cert", garbage, kf, "garbage.pem"},
		{"garbage key", cf, garbage, "garbage.pem"},
		{"cert as key", cf, cf, "c.pem"},
		{"only cert", cf, "", "together"},
	} {
		_, err := LoadOrCreateCertificate(tc.cert, tc.key, dir, "x", nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one naming %q", tc.name, err, tc.want)
		}
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t *testing.T, name string, b []byte) {
	t.Helper()
	if err := os.WriteFile(name, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// Listeners starting together get one and the same generated pair.
func TestLoadOrCreateCertificateConcurrent(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	const n = 6
	certs := make(chan []byte, n)
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			c, err := LoadOrCreateCertificate("", "", data, "mx.example.org", nil)
			if err != nil {
				errs <- err
				return
			}
			certs <- c.Certificate[0]
		}()
	}
	var first []byte
	for i := 0; i < n; i++ {
		select {
		case err := <-errs:
			t.Fatalf("LoadOrCreateCertificate: %v", err)
		case c := <-certs:
			if first == nil {
				first = c
			} else if !bytes.Equal(c, first) {
				t.Fatal("concurrent starts generated different certificates")
			}
		}
	}
}
