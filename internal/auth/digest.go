package auth

import (
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
)

// The digest schemes store bytes in an encoding, as Dovecot's
// password_decode reads them:
//
//	{SSHA512}  base64(SHA512(password+salt)+salt), salt of at least 1 byte
//	{SSHA256}  base64(SHA256(password+salt)+salt)
//	{PLAIN-MD5} hex(MD5(password)); {LDAP-MD5} the same in base64
//	{PLAIN}    the password itself, also {CLEARTEXT} and {CLEAR}
//
// A ".HEX", ".B64" or ".BASE64" suffix on the scheme name sets the encoding.
// Without one, a fixed-size digest (MD5) is hex if its length is twice the
// digest's and base64 otherwise, whatever the scheme's default.

type encoding int

const (
	encNone encoding = iota
	encHex
	encBase64
)

// digestHash is a parsed digest scheme hash. For SchemePlain raw is the
// password in clear.
type digestHash struct {
	kind Scheme // SchemeSSHA512, SchemeSSHA256, SchemePlainMD5 or SchemePlain
	raw  []byte
}

func (d *digestHash) scheme() Scheme { return d.kind }

// LogValue shows the scheme only: raw may be a password.
func (d *digestHash) LogValue() slog.Value {
	return slog.GroupValue(slog.String("scheme", string(d.kind)))
}

func (d *digestHash) verify(password []byte) bool {
	var want, got []byte
	switch d.kind {
	case SchemeSSHA512:
		want = d.raw[:sha512.Size]
		h := sha512.New()
		h.Write(password)
		h.Write(d.raw[sha512.Size:])
		got = h.Sum(nil)
	case SchemeSSHA256:
		want = d.raw[:sha256.Size]
		h := sha256.New()
		h.Write(password)
		h.Write(d.raw[sha256.Size:])
		got = h.Sum(nil)
	case SchemePlainMD5:
		sum := md5.Sum(password)
		want, got = d.raw, sum[:]
	default:
		// Constant time for equal lengths; the length of a plaintext
		// password is the least of what {PLAIN} gives away.
		want, got = d.raw, password
	}
	return subtle.ConstantTimeCompare(got, want) == 1
}

// checkLimits has no cost to bound, as a digest costs one hash of the
// password; but a {PLAIN} password longer than Verify accepts could never
// log in, so it is refused.
func (d *digestHash) checkLimits(l *Limits) error {
	if d.kind == SchemePlain && len(d.raw) > l.MaxPasswordBytes {
		return fmt.Errorf("%w: %s password of %d bytes, limit %d", ErrCostLimit, d.kind, len(d.raw), l.MaxPasswordBytes)
	}
	return nil
}

// parseDigest parses the body of a digest scheme, base being the upper-case
// scheme name and enc its encoding suffix if hasEnc.
func parseDigest(base, enc string, hasEnc bool, body string) (*digestHash, error) {
	var (
		kind    Scheme
		def     encoding
		size    int // exact decoded size, or 0
		minSize int
	)
	switch base {
	case "SSHA512":
		kind, def, minSize = SchemeSSHA512, encBase64, sha512.Size+1
	case "SSHA256":
		kind, def, minSize = SchemeSSHA256, encBase64, sha256.Size+1
	case "PLAIN-MD5":
		kind, def, size = SchemePlainMD5, encHex, md5.Size
	case "LDAP-MD5":
		kind, def, size = SchemePlainMD5, encBase64, md5.Size
	default: // PLAIN, CLEARTEXT, CLEAR
		kind, def, minSize = SchemePlain, encNone, 1
	}
	e, guessed := def, false
	switch {
	case hasEnc:
		switch strings.ToUpper(enc) {
		case "HEX":
			e = encHex
		case "B64", "BASE64":
			e = encBase64
		default:
			return nil, malformed(kind, "unknown encoding suffix %s", printable(enc))
		}
	case size > 0:
		e, guessed = encBase64, true
		if len(body) == 2*size {
			e = encHex
		}
	}
	var (
		raw []byte
		err error
	)
	switch e {
	case encNone:
		raw = []byte(body)
	case encHex:
		raw, err = hex.DecodeString(body)
		if err != nil && guessed {
			// Some lengths are both; Dovecot falls back the same way.
			raw, err = decodeBase64(body)
		}
	case encBase64:
		raw, err = decodeBase64(body)
	}
	if err != nil {
		return nil, malformed(kind, "not valid %s", map[encoding]string{encHex: "hex", encBase64: "base64"}[e])
	}
	if size > 0 && len(raw) != size {
		return nil, malformed(kind, "%d bytes, want %d", len(raw), size)
	}
	if len(raw) < minSize {
		return nil, malformed(kind, "%d bytes, want at least %d", len(raw), minSize)
	}
	return &digestHash{kind: kind, raw: raw}, nil
}

// decodeBase64 accepts standard base64 with or without padding.
func decodeBase64(s string) ([]byte, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, fmt.Errorf("line break in base64")
	}
	if strings.HasSuffix(s, "=") {
		return base64.StdEncoding.Strict().DecodeString(s)
	}
	return base64.RawStdEncoding.Strict().DecodeString(s)
}
