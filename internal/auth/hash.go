package auth

import (
	"crypto/rand"
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// Hash hashes password with the configured scheme and cost and a fresh
// random salt, in Dovecot's notation: "{ARGON2ID}$argon2id$v=19$..." or
// "{BLF-CRYPT}$2y$...". It refuses an empty password (ErrEmptyPassword) and
// one longer than Limits.MaxPasswordBytes, or than 72 bytes for bcrypt,
// which would silently ignore the rest (ErrPasswordTooLong).
func (h *Hasher) Hash(password []byte) (string, error) {
	if len(password) == 0 {
		return "", ErrEmptyPassword
	}
	if len(password) > h.limits.MaxPasswordBytes {
		return "", fmt.Errorf("%w: %d bytes, limit %d", ErrPasswordTooLong, len(password), h.limits.MaxPasswordBytes)
	}
	if h.scheme == SchemeBcrypt {
		if len(password) > bcryptMaxPassword {
			return "", fmt.Errorf("%w: %d bytes, bcrypt uses at most %d", ErrPasswordTooLong, len(password), bcryptMaxPassword)
		}
		b, err := bcrypt.GenerateFromPassword(password, h.bcryptCost)
		if err != nil {
			return "", fmt.Errorf("auth: bcrypt: %w", err)
		}
		// x/crypto writes $2a$; Dovecot and PHP write $2y$ for the same
		// computation, and Dovecot's own hashes are what we round-trip.
		return "{" + string(SchemeBcrypt) + "}$2y" + string(b[3:]), nil
	}
	a := &argon2Hash{
		variant: SchemeArgon2ID,
		memory:  h.argonMemory,
		time:    h.argonTime,
		threads: h.argonThreads,
		salt:    make([]byte, argon2SaltLen),
	}
	if _, err := rand.Read(a.salt); err != nil {
		return "", fmt.Errorf("auth: read salt: %w", err)
	}
	a.key = a.derive(password, argon2KeyLen)
	return "{" + string(SchemeArgon2ID) + "}" + a.encode(), nil
}
