package directory

import (
	"fmt"
	"slices"
)

// Resolution limits: how deep aliases may chain and how many addresses one
// resolution may visit, like Postfix's virtual_alias_recursion_limit and
// virtual_alias_expansion_limit (smaller: a directory this size has no
// business with deeper chains).
const (
	maxAliasDepth = 10
	maxExpansion  = maxTargets
)

// Resolution is where mail to an address goes.
type Resolution struct {
	// Accounts are the local accounts, canonical, each once, nearest
	// first (breadth-first order of the aliases).
	Accounts []string `json:"accounts,omitempty"`
	// Remote are addresses in domains the directory does not hold, to be
	// queued for remote delivery.
	Remote []string `json:"remote,omitempty"`
}

// Resolve finds where mail to addr goes. In a local domain the first of
// these that exists decides:
//
//  1. an account with the exact address (in any case);
//  2. an alias with the exact address, whose targets resolve in turn;
//  3. with a sub-address tag (user+tag@), the account, then the alias, of
//     user@;
//  4. the domain's catch-all alias, @domain.
//
// Alias targets resolve the same way, breadth first, through at most
// maxAliasDepth aliases and maxExpansion addresses; an address already
// visited (a loop) and a target that resolves to nothing are dropped. Resolve returns ErrNoDomain when addr's domain
// is not local, ErrNotFound when nothing is left, and ErrInvalid when addr
// is no address. It does not look at settings: whether the accounts are
// enabled and may receive over a service is Effective's answer.
func (d *Directory) Resolve(addr string) (Resolution, error) {
	key, ok := lookupKey(addr)
	if !ok {
		return Resolution{}, fmt.Errorf("%w: address %q", ErrInvalid, addr)
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	_, domain := splitKey(key)
	if d.st.domains[domain] == nil {
		return Resolution{}, fmt.Errorf("%w: %s", ErrNoDomain, domain)
	}
	// Fast path: an account.
	if a, ok := d.st.accounts[key]; ok {
		return Resolution{Accounts: []string{a.email}}, nil
	}
	r := resolver{st: &d.st}
	r.run(key, addr)
	if len(r.res.Accounts)+len(r.res.Remote) == 0 {
		if r.looped {
			return Resolution{}, fmt.Errorf("%w: %s (alias loop or chain too deep)", ErrNotFound, addr)
		}
		return Resolution{}, fmt.Errorf("%w: %s", ErrNotFound, addr)
	}
	return r.res, nil
}

// resolver is one resolution's walk, breadth first so that every
// address is reached at its smallest depth; the caller holds d.mu.
type resolver struct {
	st     *state
	res    Resolution
	seen   map[string]bool // keys visited, catch-alls included
	queue  []pending
	steps  int // targets looked at, bounded so a wide, looping graph stays cheap
	looped bool
}

type pending struct {
	key, addr string
	depth     int
}

const maxSteps = 100 * maxExpansion

// run resolves key and, in turn, every target it leads to.
func (r *resolver) run(key, addr string) {
	r.seen = make(map[string]bool)
	r.visit(key)
	r.queue = append(r.queue, pending{key, addr, 0})
	for len(r.queue) > 0 {
		p := r.queue[0]
		r.queue = r.queue[1:]
		r.expand(p)
	}
}

// visit marks key visited and reports whether it was new.
func (r *resolver) visit(key string) bool {
	if r.seen[key] || len(r.seen) >= maxExpansion {
		r.looped = true
		return false
	}
	r.seen[key] = true
	return true
}

// expand resolves one address; addr is its canonical form (for remote
// targets, whose case matters).
func (r *resolver) expand(p pending) {
	_, domain := splitKey(p.key)
	if r.st.domains[domain] == nil {
		if !slices.Contains(r.res.Remote, p.addr) {
			r.res.Remote = append(r.res.Remote, p.addr)
		}
		return
	}
	if r.local(p.key, p.depth) {
		return
	}
	if base, ok := stripPlus(p.key); ok && r.local(base, p.depth) {
		return
	}
	catchAll := "@" + domain
	if targets, ok := r.st.aliases[catchAll]; ok && r.visit(catchAll) {
		r.enqueue(targets, p.depth)
	}
}

// local resolves key as an account or an alias, and reports whether it
// was one.
func (r *resolver) local(key string, depth int) bool {
	if a, ok := r.st.accounts[key]; ok {
		if !slices.Contains(r.res.Accounts, a.email) {
			r.res.Accounts = append(r.res.Accounts, a.email)
		}
		return true
	}
	if targets, ok := r.st.aliases[key]; ok {
		r.enqueue(targets, depth)
		return true
	}
	return false
}

// enqueue queues an alias's targets one level deeper.
func (r *resolver) enqueue(targets []string, depth int) {
	if depth >= maxAliasDepth {
		r.looped = true
		return
	}
	for _, t := range targets {
		if r.steps++; r.steps > maxSteps {
			r.looped = true
			return
		}
		k := keyOf(t)
		if r.visit(k) {
			r.queue = append(r.queue, pending{k, t, depth + 1})
		}
	}
}
