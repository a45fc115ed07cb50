package directory

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// maxTargets bounds the targets of one alias, like Postfix's
// virtual_alias_expansion_limit.
const maxTargets = 1000

// Alias maps an address to one or more targets: accounts, other aliases
// or remote addresses. An alias "@domain" is the domain's catch-all.
// Alias addresses are stored lower-case; targets keep their local part's
// case, which matters to remote servers.
type Alias struct {
	Address string    `json:"address"`
	Targets []string  `json:"targets"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

func (r *aliasRec) alias(key string) Alias {
	return Alias{Address: key, Targets: slices.Clone(r.targets), Created: unixTime(r.created), Updated: unixTime(r.updated)}
}

// aliasKey validates an alias address, "local@domain" or "@domain", and
// returns its key and domain.
func aliasKey(addr string) (key, domain string, err error) {
	addr = strings.TrimSpace(addr)
	if rest, ok := strings.CutPrefix(addr, "@"); ok {
		domain, err = CanonicalDomain(rest)
		if err != nil {
			return "", "", err
		}
		return "@" + domain, domain, nil
	}
	local, domain, err := splitAddress(addr)
	if err != nil {
		return "", "", err
	}
	return addrKey(local, domain), domain, nil
}

// canonicalTargets validates targets, drops duplicates and returns them
// canonical with their keys.
func canonicalTargets(self string, targets []string) (canon, keys []string, err error) {
	for _, t := range targets {
		c, err := CanonicalAddress(t)
		if err != nil {
			return nil, nil, fmt.Errorf("target: %w", err)
		}
		k := keyOf(c)
		if k == self {
			return nil, nil, fmt.Errorf("%w: alias %s targets itself", ErrInvalid, self)
		}
		if slices.Contains(keys, k) {
			continue
		}
		canon = append(canon, c)
		keys = append(keys, k)
	}
	if len(canon) > maxTargets {
		return nil, nil, fmt.Errorf("%w: more than %d targets", ErrInvalid, maxTargets)
	}
	return canon, keys, nil
}

// AddAlias creates an alias, or adds targets to an existing one. The
// alias's domain must exist and its address must not be an account's.
func (d *Directory) AddAlias(ctx context.Context, addr string, targets ...string) (Alias, error) {
	key, domain, err := aliasKey(addr)
	if err != nil {
		return Alias{}, err
	}
	if len(targets) == 0 {
		return Alias{}, fmt.Errorf("%w: alias %s without targets", ErrInvalid, key)
	}
	canon, _, err := canonicalTargets(key, targets)
	if err != nil {
		return Alias{}, err
	}
	var out Alias
	err = d.update(ctx, func(t *txn) error {
		r, err := t.planAlias(key, domain, canon)
		switch {
		case err != nil:
			return err
		case r == nil: // every target is already there
			if r, err = t.readAlias(key); err != nil {
				return err
			}
		default:
			if err := t.putAlias(key, r); err != nil {
				return err
			}
		}
		out = r.alias(key)
		return nil
	})
	return out, err
}

// planAlias checks that the alias key may point to the canonical targets
// and returns the record to write, or nil when it already does.
func (t *txn) planAlias(key, domain string, canon []string) (*aliasRec, error) {
	if t.domain(domain) == nil {
		return nil, fmt.Errorf("%w: %s", ErrNoDomain, domain)
	}
	if _, ok := t.account(key); ok {
		return nil, fmt.Errorf("%w: %s is an account", ErrExists, key)
	}
	cur, exists := t.alias(key)
	merged := slices.Clip(cur)
	for _, c := range canon {
		k := keyOf(c)
		if !slices.ContainsFunc(cur, func(x string) bool { return keyOf(x) == k }) {
			merged = append(merged, c)
		}
	}
	if exists && len(merged) == len(cur) {
		return nil, nil
	}
	if len(merged) > maxTargets {
		return nil, fmt.Errorf("%w: alias %s: more than %d targets", ErrInvalid, key, maxTargets)
	}
	r := &aliasRec{targets: merged}
	if exists {
		old, err := t.readAlias(key)
		if err != nil {
			return nil, err
		}
		r.created = old.created
	}
	return r, nil
}

// GetAlias returns an alias ("@domain" for a catch-all).
func (d *Directory) GetAlias(addr string) (Alias, error) {
	key, _, err := aliasKey(addr)
	if err != nil {
		return Alias{}, err
	}
	var out Alias
	err = d.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketAliases).Get(dbKey(key))
		if v == nil {
			return fmt.Errorf("%w: %s", ErrNoAlias, key)
		}
		r, err := decodeAlias(v)
		if err != nil {
			return err
		}
		out = r.alias(key)
		return nil
	})
	return out, err
}

// ListAliases returns the aliases of a domain ("" for all) in address
// order, a domain's catch-all first.
func (d *Directory) ListAliases(domain string) ([]Alias, error) {
	var prefix []byte
	if domain != "" {
		dom, err := CanonicalDomain(domain)
		if err != nil {
			return nil, err
		}
		prefix = domainPrefix(dom)
	}
	var out []Alias
	err := d.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAliases).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			i := bytes.IndexByte(k, 0)
			if i < 0 {
				return fmt.Errorf("directory: malformed alias key %q", k)
			}
			r, err := decodeAlias(v)
			if err != nil {
				return err
			}
			out = append(out, r.alias(string(k[i+1:])+"@"+string(k[:i])))
		}
		return nil
	})
	return out, err
}

// RemoveAlias removes an alias with all its targets.
func (d *Directory) RemoveAlias(ctx context.Context, addr string) error {
	key, _, err := aliasKey(addr)
	if err != nil {
		return err
	}
	return d.update(ctx, func(t *txn) error { return t.deleteAlias(key) })
}

// RemoveAliasTargets removes some targets of an alias, and the alias with
// its last target. It returns what is left (the zero Alias if nothing).
func (d *Directory) RemoveAliasTargets(ctx context.Context, addr string, targets ...string) (Alias, error) {
	key, _, err := aliasKey(addr)
	if err != nil {
		return Alias{}, err
	}
	_, drop, err := canonicalTargets(key, targets)
	if err != nil {
		return Alias{}, err
	}
	var out Alias
	err = d.update(ctx, func(t *txn) error {
		out = Alias{}
		r, err := t.readAlias(key)
		if err != nil {
			return err
		}
		var keep []string
		for _, c := range r.targets {
			if !slices.Contains(drop, keyOf(c)) {
				keep = append(keep, c)
			}
		}
		if removed := len(r.targets) - len(keep); removed != len(drop) {
			return fmt.Errorf("%w: alias %s lacks some of the targets", ErrNotFound, key)
		}
		if len(keep) == 0 {
			return t.deleteAlias(key)
		}
		r.targets = keep
		if err := t.putAlias(key, r); err != nil {
			return err
		}
		out = r.alias(key)
		return nil
	})
	return out, err
}

// AliasesOf returns the aliases that name an address as a direct target,
// catch-alls included, in order. Chains and sub-addresses are not
// followed. It reads memory only, so it may be called from EachAccount.
func (d *Directory) AliasesOf(email string) ([]string, error) {
	key, ok := lookupKey(email)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrInvalid, email)
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	return slices.Clone(d.st.rev[key]), nil
}
