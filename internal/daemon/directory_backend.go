package daemon

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/axmail/axmail/internal/auth"
	"github.com/axmail/axmail/internal/config"
	"github.com/axmail/axmail/internal/control"
	"github.com/axmail/axmail/internal/directory"
)

// serverSettings turns the config's limits into the directory's server
// level.
func serverSettings(l config.Limits) directory.Settings {
	i := func(v int64) *int64 { return &v }
	d := func(v config.Duration) *time.Duration { x := time.Duration(v); return &x }
	return directory.Settings{
		QuotaBytes: i(int64(l.Quota)), QuotaMessages: i(l.QuotaMessages),
		MaxMessageSize: i(int64(l.MaxMessageSize)), MaxAttachmentSize: i(int64(l.MaxAttachmentSize)),
		MessagesPerHour: i(l.MessagesPerHour), IdleTimeout: d(l.IdleTimeout), ActivityTimeout: d(l.ActivityTimeout),
	}
}

// hasherOptions turns the config's auth section into hasher options.
func hasherOptions(a config.Auth) auth.Options {
	return auth.Options{Scheme: auth.Scheme(a.Scheme), Argon2Time: a.Argon2Time, Argon2MemoryKiB: a.Argon2MemoryKiB,
		Argon2Threads: a.Argon2Threads, BcryptCost: a.BcryptCost, AllowWeak: a.AllowWeak}
}

func (b *backend) dir() (*directory.Directory, error) {
	if b.d.dir == nil {
		return nil, errNotRunning
	}
	return b.d.dir, nil
}

func (b *backend) ListDomains(ctx context.Context) ([]directory.Domain, error) {
	d, err := b.dir()
	if err != nil {
		return nil, err
	}
	return d.ListDomains(), nil
}

func (b *backend) AddDomain(ctx context.Context, req control.DomainRequest) (directory.Domain, error) {
	d, err := b.dir()
	if err != nil {
		return directory.Domain{}, err
	}
	return d.AddDomain(ctx, req.Name, req.Settings)
}

func (b *backend) GetDomain(ctx context.Context, name string) (control.DomainInfo, error) {
	d, err := b.dir()
	if err != nil {
		return control.DomainInfo{}, err
	}
	dom, err := d.GetDomain(name)
	if err != nil {
		return control.DomainInfo{}, err
	}
	eff, err := d.DomainEffective(name)
	return control.DomainInfo{Domain: dom, Effective: eff, Origins: control.OriginsOf(eff)}, err
}

func (b *backend) SetDomain(ctx context.Context, name string, p directory.SettingsPatch) (directory.Domain, error) {
	d, err := b.dir()
	if err != nil {
		return directory.Domain{}, err
	}
	return d.SetDomain(ctx, name, p)
}

// RemoveDomain removes a domain; with force its accounts go too, and with
// them their mailboxes.
func (b *backend) RemoveDomain(ctx context.Context, name string, force bool) (directory.Removed, error) {
	d, err := b.dir()
	if err != nil {
		return directory.Removed{}, err
	}
	removed, err := d.RemoveDomain(ctx, name, force)
	if err != nil {
		return removed, err
	}
	for _, a := range removed.Accounts {
		if err := b.d.store.DeleteAccount(ctx, a); err != nil {
			return removed, fmt.Errorf("delete mailboxes of %s: %w", a, err)
		}
	}
	return removed, nil
}

func (b *backend) ListAccounts(ctx context.Context, domain, after string, limit int) ([]directory.Account, error) {
	d, err := b.dir()
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 10000 {
		limit = 10000
	}
	as, err := d.ListAccounts(domain, after, limit)
	if as == nil && err == nil {
		as = []directory.Account{} // JSON [], not null
	}
	return as, err
}

func (b *backend) AddAccount(ctx context.Context, req control.AccountRequest) (directory.Account, error) {
	d, err := b.dir()
	if err != nil {
		return directory.Account{}, err
	}
	if req.PasswordHash != "" {
		if err := b.d.hasher.CheckImportable(req.PasswordHash); err != nil {
			return directory.Account{}, fmt.Errorf("%w: password hash: %v", directory.ErrInvalid, err)
		}
	}
	a, err := d.AddAccount(ctx, directory.Account{Email: req.Email, DisplayName: req.DisplayName,
		PasswordHash: directory.PasswordHash(req.PasswordHash), Settings: req.Settings})
	if err != nil {
		return a, err
	}
	return a, b.clearStale(ctx, a.Email)
}

// clearStale removes the mailboxes that a new account finds under its
// name: they belonged to a removed account whose removal was cut short
// between the directory and the store (see RemoveAccount), and must not
// reach the new owner.
func (b *backend) clearStale(ctx context.Context, email string) error {
	stale, err := b.d.store.HasMailboxes(email)
	if err != nil || !stale {
		return err
	}
	b.d.log.Warn("removing mailboxes left by a removed account", "account", email)
	return b.d.store.DeleteAccount(ctx, email)
}

func (b *backend) GetAccount(ctx context.Context, email string) (control.AccountInfo, error) {
	d, err := b.dir()
	if err != nil {
		return control.AccountInfo{}, err
	}
	a, err := d.GetAccount(email)
	if err != nil {
		return control.AccountInfo{}, err
	}
	info := control.AccountInfo{Account: a, HasPassword: a.PasswordHash != "", Aliases: []string{}}
	if info.Effective, err = d.Effective(a.Email); err != nil {
		return info, err
	}
	info.Origins = control.OriginsOf(info.Effective)
	if info.Usage, err = b.d.store.Usage(a.Email); err != nil {
		return info, err
	}
	aliases, err := d.AliasesOf(a.Email)
	if err != nil {
		return info, err
	}
	info.Aliases = append(info.Aliases, aliases...)
	return info, nil
}

func (b *backend) SetAccount(ctx context.Context, email string, req control.AccountPatchRequest) (directory.Account, error) {
	d, err := b.dir()
	if err != nil {
		return directory.Account{}, err
	}
	p := directory.AccountPatch{DisplayName: req.DisplayName, Settings: req.Settings}
	if req.PasswordHash != nil {
		if err := b.d.hasher.CheckImportable(*req.PasswordHash); err != nil {
			return directory.Account{}, fmt.Errorf("%w: password hash: %v", directory.ErrInvalid, err)
		}
		h := directory.PasswordHash(*req.PasswordHash)
		p.PasswordHash = &h
	}
	return d.SetAccount(ctx, email, p)
}

func (b *backend) SetEnabled(ctx context.Context, email string, on bool) error {
	d, err := b.dir()
	if err != nil {
		return err
	}
	return d.SetEnabled(ctx, email, on)
}

// RemoveAccount removes the account, then its mailboxes: a crash between
// the two leaves mailboxes of no account, which the next account of that
// name clears before use (clearStale); removing them first would lose the
// mail of an account whose removal then failed.
func (b *backend) RemoveAccount(ctx context.Context, email string) error {
	d, err := b.dir()
	if err != nil {
		return err
	}
	a, err := d.GetAccount(email)
	if err != nil {
		return err
	}
	if err := d.RemoveAccount(ctx, a.Email); err != nil {
		return err
	}
	return b.d.store.DeleteAccount(ctx, a.Email)
}

func (b *backend) ListAliases(ctx context.Context, domain string) ([]directory.Alias, error) {
	d, err := b.dir()
	if err != nil {
		return nil, err
	}
	as, err := d.ListAliases(domain)
	if as == nil && err == nil {
		as = []directory.Alias{} // JSON [], not null
	}
	return as, err
}

func (b *backend) AddAlias(ctx context.Context, req control.AliasRequest) (directory.Alias, error) {
	d, err := b.dir()
	if err != nil {
		return directory.Alias{}, err
	}
	return d.AddAlias(ctx, req.Address, req.Targets...)
}

func (b *backend) RemoveAlias(ctx context.Context, address string) error {
	d, err := b.dir()
	if err != nil {
		return err
	}
	return d.RemoveAlias(ctx, address)
}

func (b *backend) ServerSettings(ctx context.Context) (control.SettingsInfo, error) {
	d, err := b.dir()
	if err != nil {
		return control.SettingsInfo{}, err
	}
	eff := d.ServerSettings()
	return control.SettingsInfo{Stored: d.StoredServerSettings(), Effective: eff, Origins: control.OriginsOf(eff)}, nil
}

func (b *backend) SetServerSettings(ctx context.Context, p directory.SettingsPatch) (control.SettingsInfo, error) {
	d, err := b.dir()
	if err != nil {
		return control.SettingsInfo{}, err
	}
	if err := d.PatchServerSettings(ctx, p); err != nil {
		return control.SettingsInfo{}, err
	}
	return b.ServerSettings(ctx)
}

func (b *backend) AuthParams(ctx context.Context) (control.AuthParams, error) {
	a := b.d.config().Auth
	return control.AuthParams{Scheme: a.Scheme, Argon2Time: a.Argon2Time, Argon2MemoryKiB: a.Argon2MemoryKiB,
		Argon2Threads: a.Argon2Threads, BcryptCost: a.BcryptCost, AllowWeak: a.AllowWeak}, nil
}

// Import checks every row's hash and commits the batch in one transaction.
func (b *backend) Import(ctx context.Context, req control.ImportRequest) (control.ImportResponse, error) {
	d, err := b.dir()
	if err != nil {
		return control.ImportResponse{}, err
	}
	mode, err := directory.ParseImportMode(req.Mode)
	if err != nil {
		return control.ImportResponse{}, err
	}
	rows := make([]directory.ImportRow, 0, len(req.Rows))
	var early []directory.RowResult
	for _, r := range req.Rows {
		if r.PasswordHash != "" {
			if err := b.d.hasher.CheckImportable(r.PasswordHash); err != nil {
				early = append(early, directory.RowResult{Line: r.Line, Email: r.Email, Outcome: directory.OutcomeRejected,
					Reason: "password_hash: " + err.Error()})
				continue
			}
		}
		rows = append(rows, directory.ImportRow{Line: r.Line, Email: r.Email, PasswordHash: directory.PasswordHash(r.PasswordHash),
			Quota: r.Quota, MaxMessageSize: r.MaxMessageSize, DisplayName: r.DisplayName, Enabled: r.Enabled, Aliases: r.Aliases})
	}
	results, err := d.Import(ctx, rows, directory.ImportOptions{Mode: mode, CreateDomains: req.CreateDomains, DryRun: req.DryRun})
	if err != nil {
		return control.ImportResponse{}, err
	}
	if !req.DryRun {
		for _, r := range results {
			if r.Outcome == directory.OutcomeCreated {
				if err := b.clearStale(ctx, r.Email); err != nil {
					return control.ImportResponse{}, err
				}
			}
		}
	}
	results = append(early, results...)
	return control.ImportResponse{Results: results, Counts: directory.Count(results)}, nil
}

// Export streams accounts with their hashes, in import terms. An alias
// goes with an account only when the account is its sole target: an
// alias of several targets cannot be re-imported as a row's alias. The
// aliases of every domain are read, not only the exported one's: an
// account's row names its aliases in other domains too, so that a row is
// the same in a domain's export as in the whole one.
func (b *backend) Export(ctx context.Context, domain string, fn func(control.ExportRow) error) error {
	d, err := b.dir()
	if err != nil {
		return err
	}
	aliases, err := d.ListAliases("")
	if err != nil {
		return err
	}
	own := make(map[string][]string)
	for _, a := range aliases {
		if len(a.Targets) == 1 {
			t := strings.ToLower(a.Targets[0])
			own[t] = append(own[t], a.Address)
		}
	}
	return d.EachAccount(domain, func(a directory.Account) error {
		return fn(control.ExportRow{Email: a.Email, PasswordHash: string(a.PasswordHash), Quota: a.Settings.QuotaBytes,
			MaxMessageSize: a.Settings.MaxMessageSize, DisplayName: a.DisplayName, Enabled: a.Settings.Enabled,
			Aliases: own[strings.ToLower(a.Email)]})
	})
}
