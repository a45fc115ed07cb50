package directory

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// PasswordHash is a stored password hash, opaque here: internal/auth makes
// and checks it. It never shows in logs or formatted output; convert it
// with string() where the hash itself is needed.
type PasswordHash string

// LogValue redacts the hash.
func (h PasswordHash) LogValue() slog.Value { return slog.StringValue(h.String()) }

// String redacts the hash, saying only whether there is one.
func (h PasswordHash) String() string {
	if h == "" {
		return ""
	}
	return "[redacted]"
}

// GoString redacts the hash in %#v.
func (h PasswordHash) GoString() string { return `"` + h.String() + `"` }

const (
	maxDisplayName = 256
	maxHashLen     = 1024
)

// Account is a mailbox owner.
type Account struct {
	// Email is the canonical address: the local part as created, the
	// domain canonical. Lookups ignore the local part's case.
	Email       string `json:"email"`
	DisplayName string `json:"display_name,omitempty"`
	// PasswordHash is empty when the account cannot log in.
	PasswordHash PasswordHash `json:"-"`
	Settings     Settings     `json:"settings"`
	Created      time.Time    `json:"created"`
	Updated      time.Time    `json:"updated"`
}

// AccountPatch changes an account: nil fields are left alone.
type AccountPatch struct {
	DisplayName  *string       `json:"display_name,omitempty"`
	PasswordHash *PasswordHash `json:"-"`
	Settings     SettingsPatch `json:"settings"`
}

func (r *accountRec) account() Account {
	return Account{Email: r.email, DisplayName: r.name, PasswordHash: PasswordHash(r.hash),
		Settings: r.v.settings(), Created: unixTime(r.created), Updated: unixTime(r.updated)}
}

func checkDisplayName(s string) error {
	if len(s) > maxDisplayName || !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl) {
		return fmt.Errorf("%w: display name %q", ErrInvalid, s)
	}
	return nil
}

func checkHash(h PasswordHash) error {
	if len(h) > maxHashLen || strings.ContainsFunc(string(h), func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return fmt.Errorf("%w: password hash has spaces or control characters or is too long", ErrInvalid)
	}
	return nil
}

// AddAccount creates an account; its domain must exist and its address
// must not be an alias. Created and Updated are ignored.
func (d *Directory) AddAccount(ctx context.Context, a Account) (Account, error) {
	local, domain, err := splitAddress(a.Email)
	if err != nil {
		return Account{}, err
	}
	if err := checkDisplayName(a.DisplayName); err != nil {
		return Account{}, err
	}
	if err := checkHash(a.PasswordHash); err != nil {
		return Account{}, err
	}
	v, err := a.Settings.toVals()
	if err != nil {
		return Account{}, err
	}
	key := addrKey(local, domain)
	r := &accountRec{email: local + "@" + domain, name: a.DisplayName, hash: string(a.PasswordHash), v: v}
	err = d.update(ctx, func(t *txn) error {
		if t.domain(domain) == nil {
			return fmt.Errorf("%w: %s", ErrNoDomain, domain)
		}
		if _, ok := t.account(key); ok {
			return fmt.Errorf("%w: account %s", ErrExists, r.email)
		}
		if _, ok := t.alias(key); ok {
			return fmt.Errorf("%w: %s is an alias", ErrExists, r.email)
		}
		return t.putAccount(key, r)
	})
	if err != nil {
		return Account{}, err
	}
	return r.account(), nil
}

// GetAccount returns an account, found by address in any case. It reads
// the file (the password hash is not kept in memory).
func (d *Directory) GetAccount(email string) (Account, error) {
	key, ok := lookupKey(email)
	if !ok {
		return Account{}, fmt.Errorf("%w: %q", ErrInvalid, email)
	}
	var a Account
	err := d.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketAccounts).Get(dbKey(key))
		if v == nil {
			return fmt.Errorf("%w: %s", ErrNoAccount, email)
		}
		r, err := decodeAccount(v)
		if err != nil {
			return err
		}
		a = r.account()
		return nil
	})
	return a, err
}

// HasAccount reports whether an account has this exact address (in any
// case), without alias or sub-address resolution.
func (d *Directory) HasAccount(email string) bool {
	key, ok := lookupKey(email)
	if !ok {
		return false
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	_, ok = d.st.accounts[key]
	return ok
}

// Effective returns an account's settings resolved along the chain
// server, domain, account.
func (d *Directory) Effective(email string) (EffectiveSettings, error) {
	key, ok := lookupKey(email)
	if !ok {
		return EffectiveSettings{}, fmt.Errorf("%w: %q", ErrInvalid, email)
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	a, ok := d.st.accounts[key]
	if !ok {
		return EffectiveSettings{}, fmt.Errorf("%w: %s", ErrNoAccount, email)
	}
	_, domain := splitKey(key)
	dom := d.st.domains[domain]
	if dom == nil { // cannot happen: an account's domain outlives it
		return EffectiveSettings{}, fmt.Errorf("%w: %s", ErrNoDomain, domain)
	}
	return resolve(d.server, &dom.v, a.v), nil
}

// EachAccount calls fn for each account of a domain ("" for all) in
// address order, from one consistent snapshot, until fn returns an error,
// which EachAccount returns. fn must not write to the directory: the read
// transaction stays open while it runs.
func (d *Directory) EachAccount(domain string, fn func(Account) error) error {
	_, err := d.scanAccounts(domain, "", 0, fn)
	return err
}

// ListAccounts returns up to limit accounts of a domain ("" for all) in
// address order, starting after the address after ("" from the start);
// limit 0 means all. Pass the last address of a page as after to get the
// next one.
func (d *Directory) ListAccounts(domain, after string, limit int) ([]Account, error) {
	var out []Account
	_, err := d.scanAccounts(domain, after, limit, func(a Account) error {
		out = append(out, a)
		return nil
	})
	return out, err
}

func (d *Directory) scanAccounts(domain, after string, limit int, fn func(Account) error) (int, error) {
	var prefix []byte
	if domain != "" {
		dom, err := CanonicalDomain(domain)
		if err != nil {
			return 0, err
		}
		prefix = domainPrefix(dom)
	}
	start := prefix
	skip := []byte(nil)
	if after != "" {
		key, ok := lookupKey(after)
		if !ok {
			return 0, fmt.Errorf("%w: %q", ErrInvalid, after)
		}
		skip = dbKey(key)
		start = skip
	}
	n := 0
	err := d.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAccounts).Cursor()
		for k, v := c.Seek(start); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			if skip != nil && bytes.Equal(k, skip) {
				continue
			}
			if limit > 0 && n >= limit {
				break
			}
			r, err := decodeAccount(v)
			if err != nil {
				return err
			}
			n++
			if err := fn(r.account()); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// SetAccount changes an account.
func (d *Directory) SetAccount(ctx context.Context, email string, p AccountPatch) (Account, error) {
	if p.DisplayName != nil {
		if err := checkDisplayName(*p.DisplayName); err != nil {
			return Account{}, err
		}
	}
	if p.PasswordHash != nil {
		if err := checkHash(*p.PasswordHash); err != nil {
			return Account{}, err
		}
	}
	r, err := d.modifyAccount(ctx, email, func(r *accountRec) error {
		v, err := r.v.apply(p.Settings)
		if err != nil {
			return err
		}
		r.v = v
		if p.DisplayName != nil {
			r.name = *p.DisplayName
		}
		if p.PasswordHash != nil {
			r.hash = string(*p.PasswordHash)
		}
		return nil
	})
	if err != nil {
		return Account{}, err
	}
	return r.account(), nil
}

// SetPassword replaces an account's password hash; an empty hash stops
// logins.
func (d *Directory) SetPassword(ctx context.Context, email string, hash PasswordHash) error {
	_, err := d.SetAccount(ctx, email, AccountPatch{PasswordHash: &hash})
	return err
}

// SetEnabled enables or disables an account. Enabling an account of a
// disabled domain does not make it usable: the domain wins.
func (d *Directory) SetEnabled(ctx context.Context, email string, on bool) error {
	_, err := d.SetAccount(ctx, email, AccountPatch{Settings: SettingsPatch{Set: Settings{Enabled: &on}}})
	return err
}

// modifyAccount reads an account, lets fn change the record and writes it
// back with a new Updated time.
func (d *Directory) modifyAccount(ctx context.Context, email string, fn func(r *accountRec) error) (*accountRec, error) {
	key, ok := lookupKey(email)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrInvalid, email)
	}
	var out *accountRec
	err := d.update(ctx, func(t *txn) error {
		r, err := t.readAccount(key)
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
		out = r
		return t.putAccount(key, r)
	})
	return out, err
}

// RemoveAccount removes an account. Aliases that point to it stay, and
// resolve to nothing there until an account of that address exists again.
// Its mailboxes are the caller's to delete.
func (d *Directory) RemoveAccount(ctx context.Context, email string) error {
	key, ok := lookupKey(email)
	if !ok {
		return fmt.Errorf("%w: %q", ErrInvalid, email)
	}
	return d.update(ctx, func(t *txn) error { return t.deleteAccount(key) })
}
