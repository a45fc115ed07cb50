package auth

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2 as libsodium and Dovecot write it, in the PHC string format:
// $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>, salt and hash
// in unpadded standard base64.
const (
	argon2Version = 19 // 0x13, RFC 9106; the only one x/crypto computes
	argon2SaltLen = 16 // new hashes, as libsodium
	argon2KeyLen  = 32 // new hashes, as libsodium
	// RFC 9106 §3.1 wants a salt of at least 8 bytes and a tag of at least
	// 4; the upper bounds only keep hostile input small.
	argon2MinSalt = 8
	argon2MaxSalt = 128
	argon2MinKey  = 4
	argon2MaxKey  = 128
)

var argon2B64 = base64.RawStdEncoding.Strict()

// argon2Hash is a parsed argon2i or argon2id hash.
type argon2Hash struct {
	variant Scheme // SchemeArgon2ID or SchemeArgon2I
	memory  uint32 // KiB
	time    uint32
	threads uint8
	salt    []byte
	key     []byte
}

func (a *argon2Hash) scheme() Scheme { return a.variant }

// LogValue shows the scheme and cost, never the salt or the hash.
func (a *argon2Hash) LogValue() slog.Value {
	return slog.GroupValue(slog.String("scheme", string(a.variant)),
		slog.Any("m", a.memory), slog.Any("t", a.time), slog.Any("p", a.threads))
}

// encode returns a in the PHC string format, without Dovecot's prefix.
func (a *argon2Hash) encode() string {
	return fmt.Sprintf("$%s$v=%d$m=%d,t=%d,p=%d$%s$%s", strings.ToLower(string(a.variant)),
		argon2Version, a.memory, a.time, a.threads,
		argon2B64.EncodeToString(a.salt), argon2B64.EncodeToString(a.key))
}

// derive computes the argon2 tag of password with a's parameters.
// The parser guarantees time >= 1 and threads >= 1, without which
// x/crypto/argon2 panics.
func (a *argon2Hash) derive(password []byte, keyLen uint32) []byte {
	if a.variant == SchemeArgon2I {
		return argon2.Key(password, a.salt, a.time, a.memory, a.threads, keyLen)
	}
	return argon2.IDKey(password, a.salt, a.time, a.memory, a.threads, keyLen)
}

func (a *argon2Hash) verify(password []byte) bool {
	got := a.derive(password, uint32(len(a.key)))
	return subtle.ConstantTimeCompare(got, a.key) == 1
}

func (a *argon2Hash) checkLimits(l *Limits) error {
	switch {
	case a.memory > l.MaxArgon2MemoryKiB:
		return fmt.Errorf("%w: %s memory m=%d KiB, limit %d", ErrCostLimit, a.variant, a.memory, l.MaxArgon2MemoryKiB)
	case a.time > l.MaxArgon2Time:
		return fmt.Errorf("%w: %s passes t=%d, limit %d", ErrCostLimit, a.variant, a.time, l.MaxArgon2Time)
	case a.threads > l.MaxArgon2Threads:
		return fmt.Errorf("%w: %s threads p=%d, limit %d", ErrCostLimit, a.variant, a.threads, l.MaxArgon2Threads)
	}
	return nil
}

// parseArgon2 parses "$argon2id$..." or "$argon2i$...", as variant says.
func parseArgon2(s string, variant Scheme) (*argon2Hash, error) {
	f := strings.Split(s, "$")
	if len(f) == 5 && !strings.HasPrefix(f[2], "v=") {
		return nil, unsupported(variant, "version 16 (no v=)")
	}
	if len(f) != 6 {
		return nil, malformed(variant, "%d $-separated fields, want 6", len(f))
	}
	v, ok := strings.CutPrefix(f[2], "v=")
	if !ok {
		return nil, malformed(variant, "no v= field")
	}
	ver, err := parseUint32(v)
	if err != nil {
		return nil, malformed(variant, "version: %v", err)
	}
	if ver != argon2Version {
		return nil, unsupported(variant, "version %d", ver)
	}
	params := strings.Split(f[3], ",")
	if len(params) != 3 {
		return nil, malformed(variant, "want m=,t=,p= parameters")
	}
	var mtp [3]uint32
	for i, name := range [3]string{"m=", "t=", "p="} {
		v, ok := strings.CutPrefix(params[i], name)
		if !ok {
			return nil, malformed(variant, "parameter %d is not %s", i+1, name)
		}
		if mtp[i], err = parseUint32(v); err != nil {
			return nil, malformed(variant, "parameter %s: %v", name, err)
		}
	}
	m, t, p := mtp[0], mtp[1], mtp[2]
	switch {
	case t < 1:
		return nil, malformed(variant, "t=0")
	case p < 1:
		return nil, malformed(variant, "p=0")
	case p > 255:
		return nil, unsupported(variant, "p=%d above 255", p)
	case m < 8*p:
		return nil, malformed(variant, "m=%d below 8 KiB per thread", m)
	}
	a := &argon2Hash{variant: variant, memory: m, time: t, threads: uint8(p)}
	if a.salt, err = argon2B64.DecodeString(f[4]); err != nil {
		return nil, malformed(variant, "salt is not unpadded base64")
	}
	if len(a.salt) < argon2MinSalt || len(a.salt) > argon2MaxSalt {
		return nil, malformed(variant, "salt of %d bytes, want %d to %d", len(a.salt), argon2MinSalt, argon2MaxSalt)
	}
	if a.key, err = argon2B64.DecodeString(f[5]); err != nil {
		return nil, malformed(variant, "hash is not unpadded base64")
	}
	if len(a.key) < argon2MinKey || len(a.key) > argon2MaxKey {
		return nil, malformed(variant, "hash of %d bytes, want %d to %d", len(a.key), argon2MinKey, argon2MaxKey)
	}
	return a, nil
}

// parseUint32 parses a decimal number of at most 10 digits without sign.
func parseUint32(s string) (uint32, error) {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok {
			err = ne.Err // without the input, which may be long
		}
		return 0, err
	}
	return uint32(n), nil
}
