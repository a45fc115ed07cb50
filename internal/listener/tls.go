package listener

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/axmail/axmail/internal/durable"
	"golang.org/x/sys/unix"
)

// Self-signed certificate files, under <dataDir>/tls.
const (
	SelfSignedCertFile = "selfsigned.crt"
	SelfSignedKeyFile  = "selfsigned.key"
)

// selfSignedValidity is how long a generated certificate is valid: long,
// since it is a stand-in until the administrator configures a real one.
const selfSignedValidity = 10 * 365 * 24 * time.Hour

// LoadOrCreateCertificate returns the server's TLS certificate. With
// certFile and keyFile both set it loads them, and an error names the
// file at fault. With neither set it loads <dataDir>/tls/selfsigned.crt
// and .key, generating them on first use: a self-signed ECDSA P-256
// certificate for hostname, the key written 0600 and both fsynced (with
// their directory) before use, so a crash never leaves a half-written
// pair, and an flock on <dataDir>/tls/.lock lets listeners (or daemons)
// starting together share one pair. One set without the other is an
// error. log may be nil.
func LoadOrCreateCertificate(certFile, keyFile, dataDir, hostname string, log *slog.Logger) (tls.Certificate, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	switch {
	case certFile != "" && keyFile != "":
		return loadPair(certFile, keyFile)
	case certFile != "" || keyFile != "":
		return tls.Certificate{}, errors.New("listener: tls: certificate and key files must be set together")
	}
	if dataDir == "" {
		return tls.Certificate{}, errors.New("listener: tls: no certificate configured and no data directory")
	}
	dir := filepath.Join(dataDir, "tls")
	cf, kf := filepath.Join(dir, SelfSignedCertFile), filepath.Join(dir, SelfSignedKeyFile)
	if err := durable.MakeDirs(dir, 0o700); err != nil {
		return tls.Certificate{}, fmt.Errorf("listener: tls: %w", err)
	}
	// Listeners starting together must not each write a half of a pair.
	unlock, err := lockFile(filepath.Join(dir, ".lock"))
	if err != nil {
		return tls.Certificate{}, err
	}
	defer unlock()
	if _, err := os.Stat(cf); err == nil {
		return loadPair(cf, kf)
	} else if !errors.Is(err, os.ErrNotExist) {
		return tls.Certificate{}, fmt.Errorf("listener: tls: %w", err)
	}
	certPEM, keyPEM, err := selfSigned(hostname, time.Now())
	if err != nil {
		return tls.Certificate{}, err
	}
	// The key first: a certificate file is the sign that the pair is
	// complete.
	if err := writeDurably(kf, keyPEM, 0o600); err != nil {
		return tls.Certificate{}, err
	}
	if err := writeDurably(cf, certPEM, 0o644); err != nil {
		return tls.Certificate{}, err
	}
	if err := durable.SyncDir(dir); err != nil {
		return tls.Certificate{}, fmt.Errorf("listener: tls sync %s: %w", dir, err)
	}
	log.Warn("generated a self-signed tls certificate", "host", hostname, "cert", cf, "key", kf)
	return loadPair(cf, kf)
}

func loadPair(certFile, keyFile string) (tls.Certificate, error) {
	cert, err := os.ReadFile(certFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("listener: tls certificate %s: %w", certFile, err)
	}
	key, err := os.ReadFile(keyFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("listener: tls key %s: %w", keyFile, err)
	}
	if b, _ := pem.Decode(cert); b == nil || b.Type != "CERTIFICATE" {
		return tls.Certificate{}, fmt.Errorf("listener: tls certificate %s: no PEM certificate", certFile)
	}
	if b, _ := pem.Decode(key); b == nil || b.Type == "CERTIFICATE" {
		return tls.Certificate{}, fmt.Errorf("listener: tls key %s: no PEM private key", keyFile)
	}
	pair, err := tls.X509KeyPair(cert, key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("listener: tls pair %s, %s: %w", certFile, keyFile, err)
	}
	return pair, nil
}

// selfSigned returns a PEM certificate and PKCS #8 key for hostname.
func selfSigned(hostname string, now time.Time) (certPEM, keyPEM []byte, err error) {
	if hostname == "" {
		hostname = "localhost"
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("listener: tls key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, nil, fmt.Errorf("listener: tls serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: hostname},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(selfSignedValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	if ip := net.ParseIP(hostname); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	} else {
		tmpl.DNSNames = []string{hostname}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("listener: tls certificate: %w", err)
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("listener: tls key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk}), nil
}

// writeDurably writes b to a temporary file, fsyncs it and renames it to
// name, so that name is either absent or whole.
func writeDurably(name string, b []byte, mode os.FileMode) error {
	tmp := name + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return fmt.Errorf("listener: tls: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("listener: tls write %s: %w", name, err)
	}
	return nil
}

// lockFile takes an exclusive flock on name, waiting for it.
func lockFile(name string) (unlock func(), err error) {
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("listener: tls lock: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("listener: tls lock %s: %w", name, err)
	}
	return func() { f.Close() }, nil
}
