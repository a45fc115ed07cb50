package auth

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// Scheme names a password scheme as Dovecot spells it between braces, such
// as "ARGON2ID" in "{ARGON2ID}$argon2id$...". Aliases are reported under one
// name: {MD5} is MD5-CRYPT, {LDAP-MD5} is PLAIN-MD5, {CLEARTEXT} is PLAIN,
// and {CRYPT} is whatever its crypt(3) string is.
type Scheme string

// The schemes that ParseScheme reports.
const (
	SchemeArgon2ID    Scheme = "ARGON2ID"
	SchemeArgon2I     Scheme = "ARGON2I"
	SchemeBcrypt      Scheme = "BLF-CRYPT"
	SchemeSHA512Crypt Scheme = "SHA512-CRYPT"
	SchemeSHA256Crypt Scheme = "SHA256-CRYPT"
	SchemeSSHA512     Scheme = "SSHA512"
	SchemeSSHA256     Scheme = "SSHA256"
	SchemeMD5Crypt    Scheme = "MD5-CRYPT"
	SchemePlainMD5    Scheme = "PLAIN-MD5"
	SchemePlain       Scheme = "PLAIN"
	SchemeDESCrypt    Scheme = "DES-CRYPT" // recognised, never verified
)

// Weak reports whether s is refused unless Options.AllowWeak is set: the
// password in clear, an unsalted MD5 digest, or MD5 and DES crypt, which
// commodity hardware breaks in bulk.
func (s Scheme) Weak() bool {
	switch s {
	case SchemePlain, SchemePlainMD5, SchemeMD5Crypt, SchemeDESCrypt:
		return true
	}
	return false
}

// maxStoredLen bounds a stored hash; the longest real one, an SSHA512 in hex
// with a long salt, is a few hundred bytes.
const maxStoredLen = 4096

// storedHash is a parsed stored hash. It may hold a secret (a {PLAIN} hash is
// the password), so implementations redact themselves in logs.
type storedHash interface {
	slog.LogValuer
	scheme() Scheme
	// verify reports whether password matches, in time independent of
	// where the two differ.
	verify(password []byte) bool
	// checkLimits returns an error wrapping ErrCostLimit if computing the
	// hash would exceed l.
	checkLimits(l *Limits) error
}

// ParseScheme tells the scheme of a stored hash without a password, for
// validating imports. The hash must parse completely: an error wraps
// ErrUnknownScheme, ErrUnsupportedHash or ErrMalformedHash. When the scheme
// was recognised but the hash is unsupported or malformed, the scheme is
// returned with the error. ParseScheme applies neither Limits nor the weak
// scheme policy; Hasher.CheckImportable does.
func ParseScheme(stored string) (Scheme, error) {
	sh, err := parse(stored)
	if err != nil {
		var e *schemeError
		if errors.As(err, &e) {
			return e.scheme, err
		}
		return "", err
	}
	return sh.scheme(), nil
}

// schemeError is a parse error that knows the scheme it happened in.
type schemeError struct {
	kind   error // ErrMalformedHash or ErrUnsupportedHash
	scheme Scheme
	reason string
}

func (e *schemeError) Error() string {
	return fmt.Sprintf("%v: %s: %s", e.kind, e.scheme, e.reason)
}

func (e *schemeError) Unwrap() error { return e.kind }

func malformed(s Scheme, format string, args ...any) error {
	return &schemeError{kind: ErrMalformedHash, scheme: s, reason: fmt.Sprintf(format, args...)}
}

func unsupported(s Scheme, format string, args ...any) error {
	return &schemeError{kind: ErrUnsupportedHash, scheme: s, reason: fmt.Sprintf(format, args...)}
}

// parse splits a stored hash into its scheme and parameters.
func parse(stored string) (storedHash, error) {
	if stored == "" {
		return nil, fmt.Errorf("%w: empty", ErrMalformedHash)
	}
	if len(stored) > maxStoredLen {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrMalformedHash, maxStoredLen)
	}
	switch stored[0] {
	case '$':
		return parseCrypt(stored)
	case '{':
		return parseBraced(stored)
	}
	return nil, fmt.Errorf("%w: neither {SCHEME} nor a crypt string", ErrUnknownScheme)
}

// parseBraced parses Dovecot's "{SCHEME}body" and "{SCHEME.ENCODING}body".
func parseBraced(stored string) (storedHash, error) {
	end := strings.IndexByte(stored, '}')
	if end < 0 {
		return nil, fmt.Errorf("%w: no closing brace after {", ErrMalformedHash)
	}
	name, body := stored[1:end], stored[end+1:]
	base, enc, hasEnc := strings.Cut(name, ".")
	base = strings.ToUpper(base)
	var want Scheme // the crypt string a crypt-bodied scheme must hold
	switch base {
	case "ARGON2ID":
		want = SchemeArgon2ID
	case "ARGON2I":
		want = SchemeArgon2I
	case "BLF-CRYPT":
		want = SchemeBcrypt
	case "SHA512-CRYPT":
		want = SchemeSHA512Crypt
	case "SHA256-CRYPT":
		want = SchemeSHA256Crypt
	case "MD5", "MD5-CRYPT":
		want = SchemeMD5Crypt
	case "CRYPT", "DES-CRYPT":
		// libc crypt(3): any crypt string, or traditional DES.
		if hasEnc {
			return nil, malformed(SchemeDESCrypt, "{%s} takes no encoding suffix", base)
		}
		if strings.HasPrefix(body, "$") {
			return parseCrypt(body)
		}
		return nil, parseDESCrypt(body)
	case "SSHA512", "SSHA256", "PLAIN-MD5", "LDAP-MD5", "PLAIN", "CLEARTEXT", "CLEAR":
		return parseDigest(base, enc, hasEnc, body)
	default:
		return nil, fmt.Errorf("%w: %s", ErrUnknownScheme, printable(name))
	}
	if hasEnc {
		return nil, malformed(want, "{%s} takes no encoding suffix", base)
	}
	sh, err := parseCrypt(body)
	if err != nil {
		if e, ok := err.(*schemeError); ok && e.scheme == want {
			return nil, err
		}
		return nil, malformed(want, "not a %s crypt string", want)
	}
	if sh.scheme() != want {
		return nil, malformed(want, "holds a %s hash", sh.scheme())
	}
	return sh, nil
}

// parseCrypt parses a bare crypt(3) string, "$id$...".
func parseCrypt(s string) (storedHash, error) {
	switch {
	case strings.HasPrefix(s, "$argon2id$"):
		return parseArgon2(s, SchemeArgon2ID)
	case strings.HasPrefix(s, "$argon2i$"):
		return parseArgon2(s, SchemeArgon2I)
	case strings.HasPrefix(s, "$argon2d$"):
		return nil, unsupported(Scheme("ARGON2D"), "argon2d is not a password scheme")
	case strings.HasPrefix(s, "$2a$"), strings.HasPrefix(s, "$2b$"), strings.HasPrefix(s, "$2y$"):
		return parseBcrypt(s)
	case strings.HasPrefix(s, "$2x$"), strings.HasPrefix(s, "$2$"):
		return nil, unsupported(SchemeBcrypt, "obsolete bcrypt variant %s", printable(cryptID(s)))
	case strings.HasPrefix(s, "$6$"):
		return parseSHACrypt(s, SchemeSHA512Crypt)
	case strings.HasPrefix(s, "$5$"):
		return parseSHACrypt(s, SchemeSHA256Crypt)
	case strings.HasPrefix(s, "$1$"):
		return parseMD5Crypt(s)
	}
	return nil, fmt.Errorf("%w: crypt prefix %s", ErrUnknownScheme, printable(cryptID(s)))
}

// cryptID returns the "$id$" at the start of a crypt string, or as much of
// it as there is.
func cryptID(s string) string {
	if i := strings.IndexByte(s[min(1, len(s)):], '$'); i >= 0 {
		return s[:i+2]
	}
	return s
}

// printable quotes a scheme name or crypt prefix taken from a stored hash
// for an error message, or hides it if it is long enough to be a secret.
func printable(s string) string {
	if len(s) > 24 {
		return "(name too long)"
	}
	return fmt.Sprintf("%q", s)
}
