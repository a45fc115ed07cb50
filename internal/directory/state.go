package directory

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// Buckets of the directory file. Address keys are domain, NUL, lower-case
// local part, so a domain's entries are contiguous and in order.
//
//	meta      "format"                    -> u64 (fileFormat)
//	          "server"                    -> domainRec (stored server level)
//	domains   domain                      -> domainRec
//	accounts  domain \x00 local           -> accountRec
//	aliases   domain \x00 local           -> aliasRec (empty local: catch-all)
var (
	bucketMeta     = []byte("meta")
	bucketDomains  = []byte("domains")
	bucketAccounts = []byte("accounts")
	bucketAliases  = []byte("aliases")
	allBuckets     = [][]byte{bucketMeta, bucketDomains, bucketAccounts, bucketAliases}

	keyFormat = []byte("format")
)

const fileFormat = 1

// state is the in-memory directory, loaded at Open and changed only by
// apply. Published entries and slices are never modified: a change
// replaces them.
type state struct {
	domains  map[string]*domainEntry // canonical domain
	accounts map[string]accountEntry // address key
	aliases  map[string][]string     // address key or "@domain" -> canonical targets
	// rev maps a target's key to the keys of the aliases that name it, in
	// order. Unlike the rest it is changed in place, under d.mu; readers
	// copy what they need before letting go of the lock.
	rev    map[string][]string
	stored vals // the server level stored in the file
}

type domainEntry struct {
	name              string
	v                 vals
	created, updated  int64
	accounts, aliases int
}

// accountEntry is what lookups need of an account; the rest (password
// hash, display name, times) is read from the file on demand.
type accountEntry struct {
	email string // canonical, local part as created
	v     *vals  // nil when the account sets nothing
}

func (d *Directory) init() error {
	return d.db.Update(func(tx *bolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		v := meta.Get(keyFormat)
		if v == nil {
			return meta.Put(keyFormat, binary.BigEndian.AppendUint64(nil, fileFormat))
		}
		if len(v) != 8 || binary.BigEndian.Uint64(v) != fileFormat {
			return errors.New("unknown directory format")
		}
		return nil
	})
}

// load fills the maps from the file, checking that every key matches its
// value and every account and alias has its domain.
func (d *Directory) load(tx *bolt.Tx) error {
	st := state{
		domains:  make(map[string]*domainEntry),
		accounts: make(map[string]accountEntry),
		aliases:  make(map[string][]string),
		rev:      make(map[string][]string),
	}
	var err error
	if st.stored, err = loadServer(tx); err != nil {
		return err
	}
	err = tx.Bucket(bucketDomains).ForEach(func(k, v []byte) error {
		name := string(k)
		if c, err := CanonicalDomain(name); err != nil || c != name {
			return fmt.Errorf("bad domain key %q", k)
		}
		r, err := decodeDomain(v)
		if err != nil {
			return fmt.Errorf("domain %s: %w", name, err)
		}
		st.domains[name] = &domainEntry{name: name, v: r.v, created: r.created, updated: r.updated}
		return nil
	})
	if err != nil {
		return err
	}
	err = tx.Bucket(bucketAccounts).ForEach(func(k, v []byte) error {
		raw, sv, err := decodeAccountBrief(v)
		if err != nil {
			return fmt.Errorf("account %q: %w", k, err)
		}
		key, dom, err := keyOfDB(k, st.domains)
		if err != nil {
			return fmt.Errorf("account %q: %w", raw, err)
		}
		email := key // most addresses are lower-case: share the key's bytes
		if string(raw) != key {
			if email = string(raw); keyOf(email) != key {
				return fmt.Errorf("account %q stored under %q", email, k)
			}
		}
		e := accountEntry{email: email}
		if sv.set != 0 {
			e.v = &sv
		}
		st.accounts[key] = e
		dom.accounts++
		return nil
	})
	if err != nil {
		return err
	}
	err = tx.Bucket(bucketAliases).ForEach(func(k, v []byte) error {
		r, err := decodeAlias(v)
		if err != nil {
			return fmt.Errorf("alias %q: %w", k, err)
		}
		key, dom, err := keyOfDB(k, st.domains)
		if err != nil {
			return fmt.Errorf("alias %q: %w", k, err)
		}
		st.aliases[key] = r.targets
		st.link(key, nil, r.targets)
		dom.aliases++
		return nil
	})
	if err != nil {
		return err
	}
	d.st = st
	return nil
}

// keyOfDB turns a file key back into an address key and finds its domain.
func keyOfDB(k []byte, domains map[string]*domainEntry) (string, *domainEntry, error) {
	i := bytes.IndexByte(k, 0)
	if i < 0 {
		return "", nil, errors.New("malformed key")
	}
	dom, ok := domains[string(k[:i])]
	if !ok {
		return "", nil, fmt.Errorf("domain %q does not exist", k[:i])
	}
	return string(k[i+1:]) + "@" + dom.name, dom, nil
}

// txn is one write transaction: the bbolt transaction and an overlay of
// the changes it makes to the maps, published by apply after the commit.
// Lookups through txn see the transaction's own changes.
type txn struct {
	d   *Directory
	tx  *bolt.Tx
	now int64

	domains  map[string]*domainEntry  // nil: removed
	accounts map[string]*accountEntry // nil: removed
	aliases  map[string][]string      // nil: removed

	// Account and alias records to write, by file key (nil: delete). flush
	// writes them in key order, so that a batch in random order touches
	// each page once, in order; until then reads see them here.
	acctW, aliasW map[string][]byte

	stored *vals // the new stored server level, if it changes
	dirty  bool  // something was written: commit, else roll back (no fsync)
}

func (d *Directory) newTxn() *txn {
	return &txn{
		d: d, now: d.stamp(),
		domains:  make(map[string]*domainEntry),
		accounts: make(map[string]*accountEntry),
		aliases:  make(map[string][]string),
		acctW:    make(map[string][]byte),
		aliasW:   make(map[string][]byte),
	}
}

// flush writes the pending records to the file.
func (t *txn) flush() error {
	for _, w := range []struct {
		bucket []byte
		recs   map[string][]byte
	}{{bucketAccounts, t.acctW}, {bucketAliases, t.aliasW}} {
		b := t.tx.Bucket(w.bucket)
		for _, k := range slices.Sorted(maps.Keys(w.recs)) {
			var err error
			if v := w.recs[k]; v == nil {
				err = b.Delete([]byte(k))
			} else {
				err = b.Put([]byte(k), v)
			}
			if err != nil {
				return err
			}
		}
		clear(w.recs)
	}
	return nil
}

// get reads a record, pending or in the file.
func (t *txn) get(bucket []byte, pending map[string][]byte, key []byte) []byte {
	if v, ok := pending[string(key)]; ok {
		return v
	}
	return t.tx.Bucket(bucket).Get(key)
}

// The lookups read d.st without d.mu: the caller holds d.wmu, and only a
// holder of d.wmu changes d.st.

func (t *txn) domain(name string) *domainEntry {
	if e, ok := t.domains[name]; ok {
		return e
	}
	return t.d.st.domains[name]
}

func (t *txn) account(key string) (accountEntry, bool) {
	if e, ok := t.accounts[key]; ok {
		if e == nil {
			return accountEntry{}, false
		}
		return *e, true
	}
	e, ok := t.d.st.accounts[key]
	return e, ok
}

func (t *txn) alias(key string) ([]string, bool) {
	if a, ok := t.aliases[key]; ok {
		return a, a != nil
	}
	a, ok := t.d.st.aliases[key]
	return a, ok
}

// mutDomain returns the transaction's own copy of a domain entry, to
// change; nil if the domain does not exist.
func (t *txn) mutDomain(name string) *domainEntry {
	if e, ok := t.domains[name]; ok {
		return e
	}
	e := t.d.st.domains[name]
	if e == nil {
		return nil
	}
	c := *e
	t.domains[name] = &c
	return &c
}

func (t *txn) putDomain(e *domainEntry) error {
	t.dirty = true
	e.updated = t.now
	if e.created == 0 {
		e.created = t.now
	}
	t.domains[e.name] = e
	r := domainRec{v: e.v, created: e.created, updated: e.updated}
	return t.tx.Bucket(bucketDomains).Put([]byte(e.name), r.encode())
}

func (t *txn) deleteDomain(name string) error {
	t.dirty = true
	t.domains[name] = nil
	return t.tx.Bucket(bucketDomains).Delete([]byte(name))
}

// readAccount reads an account's full record from the file.
func (t *txn) readAccount(key string) (*accountRec, error) {
	v := t.get(bucketAccounts, t.acctW, dbKey(key))
	if v == nil {
		return nil, fmt.Errorf("%w: %s", ErrNoAccount, key)
	}
	return decodeAccount(v)
}

// putAccount writes an account, creating it if it is new; its domain
// must exist.
func (t *txn) putAccount(key string, r *accountRec) error {
	if _, exists := t.account(key); !exists {
		_, dom := splitKey(key)
		de := t.mutDomain(dom)
		if de == nil {
			return fmt.Errorf("%w: %s", ErrNoDomain, dom)
		}
		de.accounts++
		r.created = t.now
	}
	r.updated = t.now
	t.dirty = true
	e := &accountEntry{email: r.email}
	if r.v.set != 0 {
		v := r.v
		e.v = &v
	}
	t.accounts[key] = e
	t.acctW[string(dbKey(key))] = r.encode()
	return nil
}

func (t *txn) deleteAccount(key string) error {
	if _, exists := t.account(key); !exists {
		return fmt.Errorf("%w: %s", ErrNoAccount, key)
	}
	_, dom := splitKey(key)
	if de := t.mutDomain(dom); de != nil {
		de.accounts--
	}
	t.dirty = true
	t.accounts[key] = nil
	t.acctW[string(dbKey(key))] = nil
	return nil
}

// readAlias reads an alias's full record from the file.
func (t *txn) readAlias(key string) (*aliasRec, error) {
	v := t.get(bucketAliases, t.aliasW, dbKey(key))
	if v == nil {
		return nil, fmt.Errorf("%w: %s", ErrNoAlias, key)
	}
	return decodeAlias(v)
}

// putAlias writes an alias, creating it if it is new; its domain must
// exist. r.targets must not be changed afterwards.
func (t *txn) putAlias(key string, r *aliasRec) error {
	if _, exists := t.alias(key); !exists {
		_, dom := splitKey(key)
		de := t.mutDomain(dom)
		if de == nil {
			return fmt.Errorf("%w: %s", ErrNoDomain, dom)
		}
		de.aliases++
		r.created = t.now
	}
	r.updated = t.now
	t.dirty = true
	t.aliases[key] = r.targets
	t.aliasW[string(dbKey(key))] = r.encode()
	return nil
}

func (t *txn) deleteAlias(key string) error {
	if _, exists := t.alias(key); !exists {
		return fmt.Errorf("%w: %s", ErrNoAlias, key)
	}
	_, dom := splitKey(key)
	if de := t.mutDomain(dom); de != nil {
		de.aliases--
	}
	t.dirty = true
	t.aliases[key] = nil
	t.aliasW[string(dbKey(key))] = nil
	return nil
}

// apply publishes a committed transaction's changes. The caller holds
// d.wmu.
func (d *Directory) apply(t *txn) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for name, e := range t.domains {
		if e == nil {
			delete(d.st.domains, name)
		} else {
			d.st.domains[name] = e
		}
	}
	for key, e := range t.accounts {
		if e == nil {
			delete(d.st.accounts, key)
			continue
		}
		if e.email == key {
			e.email = key
		}
		d.st.accounts[key] = *e
	}
	for key, a := range t.aliases {
		d.st.link(key, d.st.aliases[key], a)
		if a == nil {
			delete(d.st.aliases, key)
		} else {
			d.st.aliases[key] = a
		}
	}
	if t.stored != nil {
		d.st.stored = *t.stored
		d.server = d.config.over(d.st.stored, false)
	}
}

// link updates the reverse index for an alias whose targets change from
// old to targets (nil: removed).
func (st *state) link(alias string, old, targets []string) {
	for _, t := range old {
		k := keyOf(t)
		l := slices.DeleteFunc(st.rev[k], func(a string) bool { return a == alias })
		if len(l) == 0 {
			delete(st.rev, k)
		} else {
			st.rev[k] = l
		}
	}
	for _, t := range targets {
		k := keyOf(t)
		l := st.rev[k]
		if i, found := slices.BinarySearch(l, alias); !found {
			st.rev[k] = slices.Insert(l, i, alias)
		}
	}
}
