package directory

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// ImportMode says what Import does with rows whose account exists or not.
type ImportMode uint8

// Import modes.
const (
	// ImportCreate creates new accounts; a row whose account exists is
	// unchanged if it matches it and rejected if it would change it.
	ImportCreate ImportMode = iota
	// ImportUpsert creates new accounts and updates existing ones.
	ImportUpsert
	// ImportUpdate updates existing accounts; a row for a missing one is
	// rejected.
	ImportUpdate
)

var modeNames = [...]string{"create", "upsert", "update"}

func (m ImportMode) String() string {
	if int(m) < len(modeNames) {
		return modeNames[m]
	}
	return fmt.Sprintf("mode(%d)", m)
}

// ParseImportMode parses "create", "upsert" or "update".
func ParseImportMode(s string) (ImportMode, error) {
	if i := slices.Index(modeNames[:], s); i >= 0 {
		return ImportMode(i), nil
	}
	return 0, fmt.Errorf("%w: import mode %q (want create, upsert or update)", ErrInvalid, s)
}

// ImportRow is one account to import. Empty strings and nil pointers are
// unset: a new account gets no value (inherit, no password, no display
// name), an existing one keeps its own. Aliases are addresses ("@domain"
// for a catch-all) to point at the account; existing aliases that the row
// does not name are left alone.
type ImportRow struct {
	Line           int          // for the caller's report
	Email          string       // the account's address
	PasswordHash   PasswordHash // already hashed by the caller
	Quota          *int64       // bytes, 0 no limit
	MaxMessageSize *int64       // bytes, 0 no limit
	DisplayName    string
	Enabled        *bool
	Aliases        []string
}

// ImportOptions control an Import.
type ImportOptions struct {
	Mode ImportMode
	// CreateDomains creates the missing domains of accounts and aliases
	// (with no settings) instead of rejecting their rows.
	CreateDomains bool
	// DryRun checks every row and reports what would happen, writing
	// nothing.
	DryRun bool
}

// Outcome is what Import did with a row.
type Outcome uint8

// Outcomes.
const (
	OutcomeCreated Outcome = iota + 1
	OutcomeUpdated
	OutcomeUnchanged
	OutcomeRejected
)

var outcomeNames = [...]string{"", "created", "updated", "unchanged", "rejected"}

func (o Outcome) String() string {
	if int(o) < len(outcomeNames) && o != 0 {
		return outcomeNames[o]
	}
	return fmt.Sprintf("outcome(%d)", o)
}

// MarshalText encodes the outcome's name.
func (o Outcome) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// UnmarshalText decodes an outcome's name, so that a control client can
// read an import's results.
func (o *Outcome) UnmarshalText(b []byte) error {
	if i := slices.Index(outcomeNames[1:], string(b)); i >= 0 {
		*o = Outcome(i + 1)
		return nil
	}
	return fmt.Errorf("%w: import outcome %q", ErrInvalid, b)
}

// RowResult is the outcome of one row.
type RowResult struct {
	Line    int     `json:"line"`
	Email   string  `json:"email"` // canonical, or as given when invalid
	Outcome Outcome `json:"outcome"`
	// Reason says why a row was rejected; Err is the same as an error
	// that matches the package's sentinels.
	Reason string `json:"reason,omitempty"`
	Err    error  `json:"-"`
	// Domains lists the domains the row created (CreateDomains).
	Domains []string `json:"domains,omitempty"`
}

// ImportCounts sums the outcomes of an import.
type ImportCounts struct {
	Created, Updated, Unchanged, Rejected int
}

// Count sums results by outcome.
func Count(results []RowResult) ImportCounts {
	var c ImportCounts
	for _, r := range results {
		switch r.Outcome {
		case OutcomeCreated:
			c.Created++
		case OutcomeUpdated:
			c.Updated++
		case OutcomeUnchanged:
			c.Unchanged++
		case OutcomeRejected:
			c.Rejected++
		}
	}
	return c
}

// Import creates or updates accounts and their aliases in one
// transaction, returning one result per row in order. A row is applied
// whole or not at all: a row with any problem is rejected and changes
// nothing, and later rows see the effect of earlier ones (an address twice
// in the batch is rejected the second time). Importing the same rows again
// leaves everything unchanged. The error is for the batch as a whole (I/O,
// ctx): then nothing was written. Callers pick the batch size; 1,000 rows
// a call keeps each commit short.
func (d *Directory) Import(ctx context.Context, rows []ImportRow, opts ImportOptions) ([]RowResult, error) {
	if opts.Mode > ImportUpdate {
		return nil, fmt.Errorf("%w: import mode %d", ErrInvalid, opts.Mode)
	}
	var results []RowResult
	err := d.update(ctx, func(t *txn) error {
		results = make([]RowResult, 0, len(rows))
		seen := make(map[string]int, len(rows))
		for i := range rows {
			if i%256 == 255 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			res, err := t.importRow(&rows[i], opts, seen)
			if err != nil {
				return err
			}
			results = append(results, res)
		}
		if opts.DryRun {
			return errRollback
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// rowPlan is what one accepted row writes.
type rowPlan struct {
	key      string
	rec      *accountRec
	write    bool     // the account record changes
	domains  []string // to create
	aliases  []string // alias keys to create, pointing at the account
	existed  bool
	modified bool
}

// importRow checks one row and applies it to the transaction. A returned
// error aborts the batch; a rejection is a result.
func (t *txn) importRow(row *ImportRow, opts ImportOptions, seen map[string]int) (RowResult, error) {
	res := RowResult{Line: row.Line, Email: row.Email}
	p, err := t.planRow(row, opts, seen)
	if err != nil {
		if !IsPermanent(err) {
			return res, err
		}
		res.Outcome, res.Err, res.Reason = OutcomeRejected, err, err.Error()
		if p != nil {
			res.Email = p.rec.email
		}
		return res, nil
	}
	res.Email = p.rec.email
	switch {
	case !p.existed:
		res.Outcome = OutcomeCreated
	case p.modified:
		res.Outcome = OutcomeUpdated
	default:
		res.Outcome = OutcomeUnchanged
	}
	for _, dom := range p.domains {
		if err := t.putDomain(&domainEntry{name: dom}); err != nil {
			return res, err
		}
	}
	res.Domains = p.domains
	if p.write {
		if err := t.putAccount(p.key, p.rec); err != nil {
			return res, err
		}
	}
	for _, ak := range p.aliases {
		if err := t.putAlias(ak, &aliasRec{targets: []string{p.rec.email}}); err != nil {
			return res, err
		}
	}
	return res, nil
}

// planRow decides what a row does without changing anything. A permanent
// error rejects the row; the plan, if not nil, still names the account.
func (t *txn) planRow(row *ImportRow, opts ImportOptions, seen map[string]int) (*rowPlan, error) {
	local, domain, err := splitAddress(row.Email)
	if err != nil {
		return nil, err
	}
	p := &rowPlan{key: addrKey(local, domain), rec: &accountRec{email: local + "@" + domain}}
	if line, dup := seen[p.key]; dup {
		return p, fmt.Errorf("%w: %s is also on line %d", ErrExists, p.rec.email, line)
	}
	seen[p.key] = row.Line
	if err := checkRowFields(row); err != nil {
		return p, err
	}
	needDomain := func(dom string) error {
		if t.domain(dom) != nil || slices.Contains(p.domains, dom) {
			return nil
		}
		if !opts.CreateDomains {
			return fmt.Errorf("%w: %s", ErrNoDomain, dom)
		}
		p.domains = append(p.domains, dom)
		return nil
	}
	if err := needDomain(domain); err != nil {
		return p, err
	}
	if _, ok := t.alias(p.key); ok {
		return p, fmt.Errorf("%w: %s is an alias", ErrExists, p.rec.email)
	}
	_, p.existed = t.account(p.key)
	if !p.existed && opts.Mode == ImportUpdate {
		return p, fmt.Errorf("%w: %s", ErrNoAccount, p.rec.email)
	}
	if p.existed {
		if p.rec, err = t.readAccount(p.key); err != nil {
			return p, err
		}
	}
	p.write = p.rec.applyRow(row) || !p.existed
	for _, a := range row.Aliases {
		ak, adom, err := aliasKey(a)
		if err != nil {
			return p, fmt.Errorf("alias: %w", err)
		}
		if ak == p.key {
			return p, fmt.Errorf("%w: alias %s is the account itself", ErrInvalid, ak)
		}
		if slices.Contains(p.aliases, ak) {
			continue
		}
		if err := needDomain(adom); err != nil {
			return p, fmt.Errorf("alias %s: %w", ak, err)
		}
		if _, ok := t.account(ak); ok {
			return p, fmt.Errorf("%w: alias %s is an account", ErrExists, ak)
		}
		if cur, ok := t.alias(ak); ok {
			if slices.ContainsFunc(cur, func(x string) bool { return keyOf(x) == p.key }) {
				continue
			}
			return p, fmt.Errorf("%w: alias %s already points to %s", ErrExists, ak, strings.Join(cur, ", "))
		}
		p.aliases = append(p.aliases, ak)
	}
	p.modified = p.write || len(p.aliases) > 0
	if p.existed && p.modified && opts.Mode == ImportCreate {
		return p, fmt.Errorf("%w: account %s differs (create mode changes no existing account)", ErrExists, p.rec.email)
	}
	return p, nil
}

func checkRowFields(row *ImportRow) error {
	if err := checkHash(row.PasswordHash); err != nil {
		return err
	}
	if err := checkDisplayName(row.DisplayName); err != nil {
		return err
	}
	if row.Quota != nil && *row.Quota < 0 {
		return fmt.Errorf("%w: negative quota", ErrInvalid)
	}
	if row.MaxMessageSize != nil && *row.MaxMessageSize < 0 {
		return fmt.Errorf("%w: negative max message size", ErrInvalid)
	}
	return nil
}

// applyRow sets the row's fields on the record and reports whether it
// changed.
func (r *accountRec) applyRow(row *ImportRow) bool {
	old := *r
	if row.PasswordHash != "" {
		r.hash = string(row.PasswordHash)
	}
	if row.DisplayName != "" {
		r.name = row.DisplayName
	}
	set := func(f Field, n *int64) {
		if n != nil {
			r.v.set |= f
			r.v.n[f.index()] = *n
		}
	}
	set(FieldQuota, row.Quota)
	set(FieldMaxMessageSize, row.MaxMessageSize)
	if row.Enabled != nil {
		r.v.set |= FieldEnabled
		r.v.enabled = *row.Enabled
	}
	return r.hash != old.hash || r.name != old.name || r.v != old.v
}
