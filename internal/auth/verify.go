package auth

// Verify reports whether password matches the stored hash, and if it does,
// whether the hash should be replaced by Hash(password) because it is not of
// the configured scheme and cost (any difference counts, a higher cost too).
//
// err is non-nil only when the stored hash cannot be used: it wraps
// ErrUnknownScheme, ErrUnsupportedHash, ErrMalformedHash, ErrWeakScheme or
// ErrCostLimit, and is the same error CheckImportable returns. It never
// contains the password or the hash. An empty password, or one longer than
// Limits.MaxPasswordBytes, never matches, without an error. The comparison
// takes the same time wherever password and hash differ.
func (h *Hasher) Verify(stored string, password []byte) (ok, needsRehash bool, err error) {
	sh, err := h.check(stored)
	if err != nil {
		return false, false, err
	}
	if len(password) == 0 || len(password) > h.limits.MaxPasswordBytes {
		return false, false, nil
	}
	if !sh.verify(password) {
		return false, false, nil
	}
	return true, h.needsRehash(sh), nil
}

// CheckImportable returns nil if Verify can use stored, and otherwise an
// error that says why, wrapping the same sentinels as Verify: a malformed,
// unknown or unsupported hash, a weak scheme that Options.AllowWeak does not
// allow, or cost parameters above Limits.
func (h *Hasher) CheckImportable(stored string) error {
	_, err := h.check(stored)
	return err
}

// check parses stored and applies the weak scheme policy and the limits.
func (h *Hasher) check(stored string) (storedHash, error) {
	sh, err := parse(stored)
	if err != nil {
		return nil, err
	}
	if s := sh.scheme(); s.Weak() && !h.allowWeak {
		return nil, &schemeError{kind: ErrWeakScheme, scheme: s, reason: "weak schemes are not allowed"}
	}
	if err := sh.checkLimits(&h.limits); err != nil {
		return nil, err
	}
	return sh, nil
}

func (h *Hasher) needsRehash(sh storedHash) bool {
	switch s := sh.(type) {
	case *argon2Hash:
		return h.scheme != SchemeArgon2ID || s.variant != SchemeArgon2ID ||
			s.memory != h.argonMemory || s.time != h.argonTime || s.threads != h.argonThreads ||
			len(s.key) != argon2KeyLen || len(s.salt) < argon2SaltLen
	case *bcryptHash:
		return h.scheme != SchemeBcrypt || s.cost != h.bcryptCost
	}
	return true
}
