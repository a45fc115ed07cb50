package auth

import (
	"context"
	"errors"
	"log/slog"
)

// Accounts is what a Login needs of the account directory; the directory
// implements it through a small adapter in the daemon.
type Accounts interface {
	// PasswordHash returns the canonical address and stored hash of the
	// account that addr names, and whether it may log in at all (enabled).
	PasswordHash(addr string) (email, hash string, enabled bool, err error)
	// SetPasswordHash replaces the stored hash, for a rehash.
	SetPasswordHash(ctx context.Context, email, hash string) error
}

// ErrBadCredentials is a failed login: unknown account, disabled account or
// wrong password, deliberately not told apart to the client.
var ErrBadCredentials = errors.New("auth: invalid credentials")

// Login checks passwords against the directory and, when Rehash is set,
// replaces a stored hash of another scheme or cost with one of the
// configured scheme after a successful login (the only moment the
// plaintext is at hand).
type Login struct {
	Hasher   *Hasher
	Accounts Accounts
	Rehash   bool
	Logger   *slog.Logger // nil discards
}

// Check returns the canonical address of the account on success. An
// unknown account costs one verification too, so that timing does not tell
// which accounts exist.
func (l *Login) Check(ctx context.Context, addr string, password []byte) (string, error) {
	log := l.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	email, stored, enabled, err := l.Accounts.PasswordHash(addr)
	if err != nil || stored == "" {
		l.burn(password)
		return "", ErrBadCredentials
	}
	ok, rehash, err := l.Hasher.Verify(stored, password)
	if err != nil {
		log.Warn("stored password hash unusable", "account", email, "err", err)
		return "", ErrBadCredentials
	}
	if !ok || !enabled {
		return "", ErrBadCredentials
	}
	if rehash && l.Rehash {
		if h, err := l.Hasher.Hash(password); err == nil {
			if err := l.Accounts.SetPasswordHash(ctx, email, h); err != nil {
				log.Warn("password rehash failed", "account", email, "err", err)
			} else {
				log.Info("password rehashed", "account", email, "scheme", string(l.Hasher.Scheme()))
			}
		}
	}
	return email, nil
}

// burn spends about one verification's time on a failed lookup.
func (l *Login) burn(password []byte) {
	_, _ = l.Hasher.Hash(append([]byte("x"), password...))
}
