package auth

import (
	"errors"
	"fmt"
	"strings"
)

// Errors returned by Verify, CheckImportable and ParseScheme wrap one of
// these, with the scheme and the reason (never the hash itself) after it.
var (
	// ErrUnknownScheme is a stored hash whose scheme is not recognised.
	ErrUnknownScheme = errors.New("auth: unknown password scheme")
	// ErrUnsupportedHash is a recognised scheme or variant that cannot be
	// verified here, such as DES crypt or argon2 version 16.
	ErrUnsupportedHash = errors.New("auth: unsupported password hash")
	// ErrMalformedHash is a stored hash that does not parse.
	ErrMalformedHash = errors.New("auth: malformed password hash")
	// ErrWeakScheme is a weak scheme refused because Options.AllowWeak is
	// not set.
	ErrWeakScheme = errors.New("auth: weak password scheme refused")
	// ErrCostLimit is a stored hash whose cost parameters exceed Limits.
	ErrCostLimit = errors.New("auth: password hash cost above limit")
	// ErrEmptyPassword is returned by Hash for an empty password.
	ErrEmptyPassword = errors.New("auth: empty password")
	// ErrPasswordTooLong is returned by Hash for a password longer than
	// Limits.MaxPasswordBytes, or than the 72 bytes bcrypt uses.
	ErrPasswordTooLong = errors.New("auth: password too long")
)

// Defaults for Options and Limits; see the package documentation for why.
const (
	DefaultArgon2Time      = 1
	DefaultArgon2MemoryKiB = 64 * 1024
	DefaultArgon2Threads   = 1
	DefaultBcryptCost      = 10

	DefaultMaxPasswordBytes   = 1024
	DefaultMaxArgon2MemoryKiB = 256 * 1024
	DefaultMaxArgon2Time      = 10
	DefaultMaxArgon2Threads   = 16
	DefaultMaxBcryptCost      = 15
	DefaultMaxSHACryptRounds  = 1_000_000
)

// Hard bounds of the algorithms themselves.
const (
	bcryptMinCost     = 4
	bcryptMaxCost     = 31
	bcryptMaxPassword = 72 // bcrypt ignores bytes past 72
	shaCryptMaxRounds = 999_999_999
)

// Options configures a Hasher. The zero value hashes with argon2id at the
// default cost and refuses weak schemes.
type Options struct {
	// Scheme is the scheme of new hashes: SchemeArgon2ID or SchemeBcrypt.
	// Case is ignored, and "bcrypt" is accepted for SchemeBcrypt.
	// "" means SchemeArgon2ID.
	Scheme Scheme
	// Argon2Time is argon2id's number of passes over memory.
	// 0 means DefaultArgon2Time (1).
	Argon2Time uint32
	// Argon2MemoryKiB is argon2id's memory in KiB, at least 8 per thread.
	// 0 means DefaultArgon2MemoryKiB (64 MiB).
	Argon2MemoryKiB uint32
	// Argon2Threads is argon2id's parallelism.
	// 0 means DefaultArgon2Threads (1).
	Argon2Threads uint8
	// BcryptCost is bcrypt's cost, log2 of its rounds, from 4 to 31.
	// 0 means DefaultBcryptCost (10).
	BcryptCost int
	// AllowWeak makes Verify and CheckImportable accept the weak schemes
	// PLAIN, PLAIN-MD5, MD5-CRYPT (and so {PLAIN}, {CLEARTEXT},
	// {PLAIN-MD5}, {LDAP-MD5}, {MD5}, $1$). false refuses them with
	// ErrWeakScheme. New hashes are never weak.
	AllowWeak bool
	// Limits bounds the cost of stored hashes; see Limits.
	Limits Limits
}

// Limits bounds the cost parameters that Verify and CheckImportable accept
// from a stored hash, and the length of a password, so that a hostile or
// mistaken import cannot make one login take minutes or gigabytes. A zero
// field means its default; a default is raised to the configured cost of
// new hashes if that is higher, so a Hasher always verifies its own hashes.
type Limits struct {
	// MaxPasswordBytes is the longest password hashed or verified; a longer
	// one never verifies. 0 means DefaultMaxPasswordBytes (1024).
	MaxPasswordBytes int
	// MaxArgon2MemoryKiB is the most memory of an argon2 hash.
	// 0 means DefaultMaxArgon2MemoryKiB (256 MiB).
	MaxArgon2MemoryKiB uint32
	// MaxArgon2Time is the most passes of an argon2 hash.
	// 0 means DefaultMaxArgon2Time (10).
	MaxArgon2Time uint32
	// MaxArgon2Threads is the most parallelism of an argon2 hash.
	// 0 means DefaultMaxArgon2Threads (16).
	MaxArgon2Threads uint8
	// MaxBcryptCost is the highest bcrypt cost, at most 31.
	// 0 means DefaultMaxBcryptCost (15).
	MaxBcryptCost int
	// MaxSHACryptRounds is the most rounds of a SHA-crypt hash, at most
	// 999,999,999. 0 means DefaultMaxSHACryptRounds (1,000,000).
	MaxSHACryptRounds int
}

// Hasher hashes new passwords with one configured scheme and cost, and
// verifies stored hashes of every supported scheme. It is immutable and safe
// for concurrent use.
type Hasher struct {
	scheme       Scheme // SchemeArgon2ID or SchemeBcrypt
	argonTime    uint32
	argonMemory  uint32
	argonThreads uint8
	bcryptCost   int
	allowWeak    bool
	limits       Limits // every field set
}

// NewHasher validates o and returns a Hasher. It reports every problem at
// once. Only the cost options of the chosen scheme are checked and used.
func NewHasher(o Options) (*Hasher, error) {
	h := &Hasher{
		argonTime:    orDefault(o.Argon2Time, DefaultArgon2Time),
		argonMemory:  orDefault(o.Argon2MemoryKiB, DefaultArgon2MemoryKiB),
		argonThreads: orDefault(o.Argon2Threads, DefaultArgon2Threads),
		bcryptCost:   orDefault(o.BcryptCost, DefaultBcryptCost),
		allowWeak:    o.AllowWeak,
	}
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("auth: "+format, args...))
	}
	// The configured cost of new hashes, which the limits must admit.
	var argonMemory, argonTime, argonThreads, bcryptCost uint64
	switch strings.ToUpper(string(o.Scheme)) {
	case "", string(SchemeArgon2ID):
		h.scheme = SchemeArgon2ID
		if h.argonMemory < 8*uint32(h.argonThreads) {
			bad("argon2 memory %d KiB is below 8 KiB per thread (%d threads)", h.argonMemory, h.argonThreads)
		}
		argonMemory, argonTime, argonThreads = uint64(h.argonMemory), uint64(h.argonTime), uint64(h.argonThreads)
	case string(SchemeBcrypt), "BCRYPT":
		h.scheme = SchemeBcrypt
		if h.bcryptCost < bcryptMinCost || h.bcryptCost > bcryptMaxCost {
			bad("bcrypt cost %d is outside %d..%d", h.bcryptCost, bcryptMinCost, bcryptMaxCost)
		} else {
			bcryptCost = uint64(h.bcryptCost)
		}
	default:
		bad("scheme %q is not %s or %s", o.Scheme, SchemeArgon2ID, SchemeBcrypt)
	}

	l := o.Limits
	if l.MaxPasswordBytes < 0 {
		bad("max password bytes %d is negative", l.MaxPasswordBytes)
	}
	if l.MaxBcryptCost < 0 || l.MaxBcryptCost > bcryptMaxCost {
		bad("max bcrypt cost %d is outside 0..%d", l.MaxBcryptCost, bcryptMaxCost)
	}
	if l.MaxSHACryptRounds < 0 || l.MaxSHACryptRounds > shaCryptMaxRounds {
		bad("max SHA-crypt rounds %d is outside 0..%d", l.MaxSHACryptRounds, shaCryptMaxRounds)
	}
	// An explicit limit below the configured cost would refuse our own
	// hashes; a default one is raised instead.
	limit := func(name string, set, def, configured uint64) uint64 {
		if set == 0 {
			return max(def, configured)
		}
		if set < configured {
			bad("%s limit %d is below the configured %d", name, set, configured)
		}
		return set
	}
	h.limits = Limits{
		MaxPasswordBytes:   orDefault(l.MaxPasswordBytes, DefaultMaxPasswordBytes),
		MaxArgon2MemoryKiB: uint32(limit("argon2 memory", uint64(l.MaxArgon2MemoryKiB), DefaultMaxArgon2MemoryKiB, argonMemory)),
		MaxArgon2Time:      uint32(limit("argon2 time", uint64(l.MaxArgon2Time), DefaultMaxArgon2Time, argonTime)),
		MaxArgon2Threads:   uint8(limit("argon2 threads", uint64(l.MaxArgon2Threads), DefaultMaxArgon2Threads, argonThreads)),
		MaxBcryptCost:      int(limit("bcrypt cost", uint64(max(l.MaxBcryptCost, 0)), DefaultMaxBcryptCost, bcryptCost)),
		MaxSHACryptRounds:  orDefault(l.MaxSHACryptRounds, DefaultMaxSHACryptRounds),
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return h, nil
}

// Scheme returns the scheme of the hashes that Hash makes.
func (h *Hasher) Scheme() Scheme { return h.scheme }

// Limits returns the limits in force, with every default filled in.
func (h *Hasher) Limits() Limits { return h.limits }

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
