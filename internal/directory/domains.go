package directory

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Domain is a mail domain the server accepts mail for.
type Domain struct {
	Name     string    `json:"name"` // ASCII form (A-labels)
	Settings Settings  `json:"settings"`
	Accounts int       `json:"accounts"`
	Aliases  int       `json:"aliases"` // catch-all included
	Created  time.Time `json:"created"`
	Updated  time.Time `json:"updated"`
}

func (e *domainEntry) domain() Domain {
	return Domain{Name: e.name, Settings: e.v.settings(), Accounts: e.accounts, Aliases: e.aliases,
		Created: unixTime(e.created), Updated: unixTime(e.updated)}
}

// Removed lists what a forced RemoveDomain took with it, so the caller can
// delete the accounts' mailboxes.
type Removed struct {
	Accounts []string `json:"accounts"` // canonical addresses
	Aliases  []string `json:"aliases"`  // canonical addresses, "@domain" for a catch-all
}

// AddDomain adds a domain with its settings.
func (d *Directory) AddDomain(ctx context.Context, name string, s Settings) (Domain, error) {
	name, err := CanonicalDomain(name)
	if err != nil {
		return Domain{}, err
	}
	v, err := s.toVals()
	if err != nil {
		return Domain{}, err
	}
	var out Domain
	err = d.update(ctx, func(t *txn) error {
		if t.domain(name) != nil {
			return fmt.Errorf("%w: domain %s", ErrExists, name)
		}
		e := &domainEntry{name: name, v: v}
		if err := t.putDomain(e); err != nil {
			return err
		}
		out = e.domain()
		return nil
	})
	return out, err
}

// GetDomain returns a domain.
func (d *Directory) GetDomain(name string) (Domain, error) {
	key, ok := lookupDomain(name)
	d.mu.RLock()
	defer d.mu.RUnlock()
	if e := d.st.domains[key]; ok && e != nil {
		return e.domain(), nil
	}
	return Domain{}, fmt.Errorf("%w: %s", ErrNoDomain, name)
}

// HasDomain reports whether the directory holds the domain: mail for it is
// local.
func (d *Directory) HasDomain(name string) bool {
	key, ok := lookupDomain(name)
	if !ok {
		return false
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.st.domains[key] != nil
}

// ListDomains returns every domain in name order.
func (d *Directory) ListDomains() []Domain {
	d.mu.RLock()
	out := make([]Domain, 0, len(d.st.domains))
	for _, e := range d.st.domains {
		out = append(out, e.domain())
	}
	d.mu.RUnlock()
	slices.SortFunc(out, func(a, b Domain) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// SetDomain changes a domain's settings.
func (d *Directory) SetDomain(ctx context.Context, name string, p SettingsPatch) (Domain, error) {
	name, err := CanonicalDomain(name)
	if err != nil {
		return Domain{}, err
	}
	var out Domain
	err = d.update(ctx, func(t *txn) error {
		e := t.mutDomain(name)
		if e == nil {
			return fmt.Errorf("%w: %s", ErrNoDomain, name)
		}
		v, err := e.v.apply(p)
		if err != nil {
			return err
		}
		e.v = v
		if err := t.putDomain(e); err != nil {
			return err
		}
		out = e.domain()
		return nil
	})
	return out, err
}

// DomainEffective returns a domain's settings resolved over the server
// level: what an account of the domain that sets nothing gets.
func (d *Directory) DomainEffective(name string) (EffectiveSettings, error) {
	key, ok := lookupDomain(name)
	d.mu.RLock()
	defer d.mu.RUnlock()
	e := d.st.domains[key]
	if !ok || e == nil {
		return EffectiveSettings{}, fmt.Errorf("%w: %s", ErrNoDomain, name)
	}
	return resolve(d.server, &e.v), nil
}

// RemoveDomain removes a domain. While it has accounts or aliases it
// refuses with ErrNotEmpty, unless force is set: then they go too, in the
// same transaction, and are listed in the result. Aliases of other domains
// that point into the removed one are left alone; their targets there
// resolve to nothing.
func (d *Directory) RemoveDomain(ctx context.Context, name string, force bool) (Removed, error) {
	name, err := CanonicalDomain(name)
	if err != nil {
		return Removed{}, err
	}
	var out Removed
	err = d.update(ctx, func(t *txn) error {
		out = Removed{}
		e := t.domain(name)
		if e == nil {
			return fmt.Errorf("%w: %s", ErrNoDomain, name)
		}
		if !force && e.accounts+e.aliases > 0 {
			return fmt.Errorf("%w: %s has %d accounts and %d aliases", ErrNotEmpty, name, e.accounts, e.aliases)
		}
		if err := t.flush(); err != nil { // the scans below read the file
			return err
		}
		prefix := domainPrefix(name)
		var keys []string
		c := t.tx.Bucket(bucketAccounts).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			email, _, err := decodeAccountBrief(v)
			if err != nil {
				return err
			}
			keys = append(keys, string(k[len(prefix):])+"@"+name)
			out.Accounts = append(out.Accounts, string(email))
		}
		for _, k := range keys {
			if err := t.deleteAccount(k); err != nil {
				return err
			}
		}
		keys = keys[:0]
		c = t.tx.Bucket(bucketAliases).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			key := string(k[len(prefix):]) + "@" + name
			keys = append(keys, key)
			out.Aliases = append(out.Aliases, key)
		}
		for _, k := range keys {
			if err := t.deleteAlias(k); err != nil {
				return err
			}
		}
		return t.deleteDomain(name)
	})
	if err != nil {
		return Removed{}, err
	}
	return out, nil
}
