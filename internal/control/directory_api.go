package control

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/axmail/axmail/internal/directory"
	"github.com/axmail/axmail/internal/store"
)

// DirectoryBackend is the directory part of the Backend.
type DirectoryBackend interface {
	ListDomains(ctx context.Context) ([]directory.Domain, error)
	AddDomain(ctx context.Context, req DomainRequest) (directory.Domain, error)
	GetDomain(ctx context.Context, name string) (DomainInfo, error)
	SetDomain(ctx context.Context, name string, p directory.SettingsPatch) (directory.Domain, error)
	RemoveDomain(ctx context.Context, name string, force bool) (directory.Removed, error)

	ListAccounts(ctx context.Context, domain, after string, limit int) ([]directory.Account, error)
	AddAccount(ctx context.Context, req AccountRequest) (directory.Account, error)
	GetAccount(ctx context.Context, email string) (AccountInfo, error)
	SetAccount(ctx context.Context, email string, req AccountPatchRequest) (directory.Account, error)
	SetEnabled(ctx context.Context, email string, on bool) error
	RemoveAccount(ctx context.Context, email string) error

	ListAliases(ctx context.Context, domain string) ([]directory.Alias, error)
	AddAlias(ctx context.Context, req AliasRequest) (directory.Alias, error)
	RemoveAlias(ctx context.Context, address string) error

	ServerSettings(ctx context.Context) (SettingsInfo, error)
	SetServerSettings(ctx context.Context, p directory.SettingsPatch) (SettingsInfo, error)

	AuthParams(ctx context.Context) (AuthParams, error)
	Import(ctx context.Context, req ImportRequest) (ImportResponse, error)
	Export(ctx context.Context, domain string, fn func(ExportRow) error) error
}

// DomainRequest is POST /v1/domains.
type DomainRequest struct {
	Name     string             `json:"name"`
	Settings directory.Settings `json:"settings"`
}

// DomainInfo is GET /v1/domains/{name}.
type DomainInfo struct {
	Domain    directory.Domain            `json:"domain"`
	Effective directory.EffectiveSettings `json:"effective"`
	Origins   Origins                     `json:"origins"`
}

// Origins names, per setting, the level its effective value comes from.
type Origins map[string]string

// OriginsOf lists the origin of every field of e.
func OriginsOf(e directory.EffectiveSettings) Origins {
	o := make(Origins)
	for f := directory.Field(1); f <= directory.AllFields && f != 0; f <<= 1 {
		o[f.String()] = e.Origin.Of(f).String()
	}
	return o
}

// AccountRequest is POST /v1/accounts. Passwords arrive hashed: axctl
// hashes them, so no plaintext crosses the socket.
type AccountRequest struct {
	Email        string             `json:"email"`
	PasswordHash string             `json:"password_hash,omitempty"`
	DisplayName  string             `json:"display_name,omitempty"`
	Settings     directory.Settings `json:"settings"`
}

// AccountPatchRequest is PATCH /v1/accounts/{email}.
type AccountPatchRequest struct {
	DisplayName  *string                 `json:"display_name,omitempty"`
	PasswordHash *string                 `json:"password_hash,omitempty"`
	Settings     directory.SettingsPatch `json:"settings"`
}

// AccountInfo is GET /v1/accounts/{email}.
type AccountInfo struct {
	Account     directory.Account           `json:"account"`
	HasPassword bool                        `json:"has_password"`
	Effective   directory.EffectiveSettings `json:"effective"`
	Origins     Origins                     `json:"origins"`
	Aliases     []string                    `json:"aliases"`
	Usage       store.Usage                 `json:"usage"`
}

// AliasRequest is POST /v1/aliases.
type AliasRequest struct {
	Address string   `json:"address"`
	Targets []string `json:"targets"`
}

// SettingsInfo is GET /v1/settings: the server level.
type SettingsInfo struct {
	Stored    directory.Settings          `json:"stored"`
	Effective directory.EffectiveSettings `json:"effective"`
	Origins   Origins                     `json:"origins"`
}

// AuthParams are the daemon's password hashing parameters, so that axctl
// hashes new passwords exactly as axd would.
type AuthParams struct {
	Scheme          string `json:"scheme"`
	Argon2Time      uint32 `json:"argon2_time"`
	Argon2MemoryKiB uint32 `json:"argon2_memory_kib"`
	Argon2Threads   uint8  `json:"argon2_threads"`
	BcryptCost      int    `json:"bcrypt_cost"`
	AllowWeak       bool   `json:"allow_weak"`
}

// ImportRow is one row of POST /v1/import.
type ImportRow struct {
	Line           int      `json:"line"`
	Email          string   `json:"email"`
	PasswordHash   string   `json:"password_hash,omitempty"`
	Quota          *int64   `json:"quota,omitempty"`
	MaxMessageSize *int64   `json:"max_message_size,omitempty"`
	DisplayName    string   `json:"display_name,omitempty"`
	Enabled        *bool    `json:"enabled,omitempty"`
	Aliases        []string `json:"aliases,omitempty"`
}

// ImportRequest is one batch of POST /v1/import; the daemon commits it in
// one transaction before it answers.
type ImportRequest struct {
	Mode          string      `json:"mode"` // create, upsert, update
	CreateDomains bool        `json:"create_domains"`
	DryRun        bool        `json:"dry_run"`
	Rows          []ImportRow `json:"rows"`
}

// MaxImportRows caps the rows of one import batch.
const MaxImportRows = 10000

// ImportResponse is the outcome of one batch, a result per row.
type ImportResponse struct {
	Results []directory.RowResult  `json:"results"`
	Counts  directory.ImportCounts `json:"counts"`
}

// ExportRow is one account of GET /v1/export, in the import's terms.
type ExportRow struct {
	Email          string   `json:"email"`
	PasswordHash   string   `json:"password_hash,omitempty"`
	Quota          *int64   `json:"quota,omitempty"`
	MaxMessageSize *int64   `json:"max_message_size,omitempty"`
	DisplayName    string   `json:"display_name,omitempty"`
	Enabled        *bool    `json:"enabled,omitempty"`
	Aliases        []string `json:"aliases,omitempty"`
}

func (s *Server) directoryRoutes(mux *http.ServeMux, b DirectoryBackend) {
	handle := func(pattern string, fn func(r *http.Request) (any, error)) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			v, err := fn(r)
			if err != nil {
				writeError(w, mapError(err))
				return
			}
			writeJSON(w, v)
		})
	}
	handle("GET /v1/domains", func(r *http.Request) (any, error) { return b.ListDomains(r.Context()) })
	handle("POST /v1/domains", func(r *http.Request) (any, error) {
		var req DomainRequest
		if err := decode(r, &req); err != nil {
			return nil, err
		}
		return b.AddDomain(r.Context(), req)
	})
	handle("GET /v1/domains/{name}", func(r *http.Request) (any, error) { return b.GetDomain(r.Context(), r.PathValue("name")) })
	handle("PATCH /v1/domains/{name}", func(r *http.Request) (any, error) {
		var p directory.SettingsPatch
		if err := decode(r, &p); err != nil {
			return nil, err
		}
		return b.SetDomain(r.Context(), r.PathValue("name"), p)
	})
	handle("DELETE /v1/domains/{name}", func(r *http.Request) (any, error) {
		return b.RemoveDomain(r.Context(), r.PathValue("name"), r.URL.Query().Get("force") == "true")
	})
	handle("GET /v1/accounts", func(r *http.Request) (any, error) {
		q := r.URL.Query()
		limit, _ := strconv.Atoi(q.Get("limit"))
		return b.ListAccounts(r.Context(), q.Get("domain"), q.Get("after"), limit)
	})
	handle("POST /v1/accounts", func(r *http.Request) (any, error) {
		var req AccountRequest
		if err := decode(r, &req); err != nil {
			return nil, err
		}
		return b.AddAccount(r.Context(), req)
	})
	handle("GET /v1/accounts/{email}", func(r *http.Request) (any, error) { return b.GetAccount(r.Context(), r.PathValue("email")) })
	handle("PATCH /v1/accounts/{email}", func(r *http.Request) (any, error) {
		var req AccountPatchRequest
		if err := decode(r, &req); err != nil {
			return nil, err
		}
		return b.SetAccount(r.Context(), r.PathValue("email"), req)
	})
	handle("POST /v1/accounts/{email}/enable", func(r *http.Request) (any, error) {
		return struct{}{}, b.SetEnabled(r.Context(), r.PathValue("email"), true)
	})
	handle("POST /v1/accounts/{email}/disable", func(r *http.Request) (any, error) {
		return struct{}{}, b.SetEnabled(r.Context(), r.PathValue("email"), false)
	})
	handle("DELETE /v1/accounts/{email}", func(r *http.Request) (any, error) {
		return struct{}{}, b.RemoveAccount(r.Context(), r.PathValue("email"))
	})
	handle("GET /v1/aliases", func(r *http.Request) (any, error) { return b.ListAliases(r.Context(), r.URL.Query().Get("domain")) })
	handle("POST /v1/aliases", func(r *http.Request) (any, error) {
		var req AliasRequest
		if err := decode(r, &req); err != nil {
			return nil, err
		}
		return b.AddAlias(r.Context(), req)
	})
	handle("DELETE /v1/aliases/{address}", func(r *http.Request) (any, error) {
		return struct{}{}, b.RemoveAlias(r.Context(), r.PathValue("address"))
	})
	handle("GET /v1/settings", func(r *http.Request) (any, error) { return b.ServerSettings(r.Context()) })
	handle("PATCH /v1/settings", func(r *http.Request) (any, error) {
		var p directory.SettingsPatch
		if err := decode(r, &p); err != nil {
			return nil, err
		}
		return b.SetServerSettings(r.Context(), p)
	})
	handle("GET /v1/auth", func(r *http.Request) (any, error) { return b.AuthParams(r.Context()) })
	handle("POST /v1/import", func(r *http.Request) (any, error) {
		var req ImportRequest
		if err := decode(r, &req); err != nil {
			return nil, err
		}
		if len(req.Rows) > MaxImportRows {
			return nil, Errorf(http.StatusBadRequest, CodeBadRequest, "%d rows in one batch; at most %d", len(req.Rows), MaxImportRows)
		}
		return b.Import(r.Context(), req)
	})
	mux.HandleFunc("GET /v1/export", func(w http.ResponseWriter, r *http.Request) {
		st := newStream(w)
		err := b.Export(r.Context(), r.URL.Query().Get("domain"), func(row ExportRow) error {
			st.send(row)
			return r.Context().Err()
		})
		if err != nil {
			st.send(errorBody{Error: asError(mapError(err))})
		}
	})
}

func asError(err error) *Error {
	if e, ok := err.(*Error); ok {
		return e
	}
	return &Error{Status: http.StatusInternalServerError, Code: CodeInternal, Message: err.Error()}
}

// Client methods of the directory API.

// Domains lists domains.
func (c *Client) Domains(ctx context.Context) ([]directory.Domain, error) {
	var out []directory.Domain
	return out, c.getJSON(ctx, http.MethodGet, "/v1/domains", nil, &out)
}

// AddDomain adds a domain.
func (c *Client) AddDomain(ctx context.Context, req DomainRequest) (directory.Domain, error) {
	var out directory.Domain
	return out, c.getJSON(ctx, http.MethodPost, "/v1/domains", req, &out)
}

// Domain shows a domain.
func (c *Client) Domain(ctx context.Context, name string) (DomainInfo, error) {
	var out DomainInfo
	return out, c.getJSON(ctx, http.MethodGet, "/v1/domains/"+url.PathEscape(name), nil, &out)
}

// SetDomain changes a domain's settings.
func (c *Client) SetDomain(ctx context.Context, name string, p directory.SettingsPatch) (directory.Domain, error) {
	var out directory.Domain
	return out, c.getJSON(ctx, http.MethodPatch, "/v1/domains/"+url.PathEscape(name), p, &out)
}

// RemoveDomain removes a domain (with force, its accounts and aliases).
func (c *Client) RemoveDomain(ctx context.Context, name string, force bool) (directory.Removed, error) {
	var out directory.Removed
	return out, c.getJSON(ctx, http.MethodDelete, "/v1/domains/"+url.PathEscape(name)+"?force="+strconv.FormatBool(force), nil, &out)
}

// Accounts lists accounts of a domain ("" for all) after a given email.
func (c *Client) Accounts(ctx context.Context, domain, after string, limit int) ([]directory.Account, error) {
	q := url.Values{"domain": {domain}, "after": {after}, "limit": {strconv.Itoa(limit)}}
	var out []directory.Account
	return out, c.getJSON(ctx, http.MethodGet, "/v1/accounts?"+q.Encode(), nil, &out)
}

// AddAccount adds an account.
func (c *Client) AddAccount(ctx context.Context, req AccountRequest) (directory.Account, error) {
	var out directory.Account
	return out, c.getJSON(ctx, http.MethodPost, "/v1/accounts", req, &out)
}

// Account shows an account.
func (c *Client) Account(ctx context.Context, email string) (AccountInfo, error) {
	var out AccountInfo
	return out, c.getJSON(ctx, http.MethodGet, "/v1/accounts/"+url.PathEscape(email), nil, &out)
}

// SetAccount changes an account.
func (c *Client) SetAccount(ctx context.Context, email string, req AccountPatchRequest) (directory.Account, error) {
	var out directory.Account
	return out, c.getJSON(ctx, http.MethodPatch, "/v1/accounts/"+url.PathEscape(email), req, &out)
}

// SetEnabled enables or disables an account.
func (c *Client) SetEnabled(ctx context.Context, email string, on bool) error {
	verb := "disable"
	if on {
		verb = "enable"
	}
	return c.getJSON(ctx, http.MethodPost, "/v1/accounts/"+url.PathEscape(email)+"/"+verb, nil, nil)
}

// RemoveAccount removes an account and its mailboxes.
func (c *Client) RemoveAccount(ctx context.Context, email string) error {
	return c.getJSON(ctx, http.MethodDelete, "/v1/accounts/"+url.PathEscape(email), nil, nil)
}

// Aliases lists aliases of a domain ("" for all).
func (c *Client) Aliases(ctx context.Context, domain string) ([]directory.Alias, error) {
	var out []directory.Alias
	return out, c.getJSON(ctx, http.MethodGet, "/v1/aliases?"+url.Values{"domain": {domain}}.Encode(), nil, &out)
}

// AddAlias adds an alias or more targets to it.
func (c *Client) AddAlias(ctx context.Context, req AliasRequest) (directory.Alias, error) {
	var out directory.Alias
	return out, c.getJSON(ctx, http.MethodPost, "/v1/aliases", req, &out)
}

// RemoveAlias removes an alias.
func (c *Client) RemoveAlias(ctx context.Context, address string) error {
	return c.getJSON(ctx, http.MethodDelete, "/v1/aliases/"+url.PathEscape(address), nil, nil)
}

// Settings shows the server-level settings.
func (c *Client) Settings(ctx context.Context) (SettingsInfo, error) {
	var out SettingsInfo
	return out, c.getJSON(ctx, http.MethodGet, "/v1/settings", nil, &out)
}

// SetSettings changes the server-level settings.
func (c *Client) SetSettings(ctx context.Context, p directory.SettingsPatch) (SettingsInfo, error) {
	var out SettingsInfo
	return out, c.getJSON(ctx, http.MethodPatch, "/v1/settings", p, &out)
}

// AuthParams returns the daemon's hashing parameters.
func (c *Client) AuthParams(ctx context.Context) (AuthParams, error) {
	var out AuthParams
	return out, c.getJSON(ctx, http.MethodGet, "/v1/auth", nil, &out)
}

// Import sends one batch; it returns once the daemon committed it.
func (c *Client) Import(ctx context.Context, req ImportRequest) (ImportResponse, error) {
	var out ImportResponse
	return out, c.getJSON(ctx, http.MethodPost, "/v1/import", req, &out)
}

// Export streams every account of a domain ("" for all) in import terms.
func (c *Client) Export(ctx context.Context, domain string, fn func(ExportRow) error) error {
	resp, err := c.do(ctx, http.MethodGet, "/v1/export?"+url.Values{"domain": {domain}}.Encode(), nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return readNDJSON(resp.Body, func(line []byte) error {
		var eb errorBody
		if json.Unmarshal(line, &eb) == nil && eb.Error != nil {
			return eb.Error
		}
		var row ExportRow
		if err := json.Unmarshal(line, &row); err != nil {
			return err
		}
		return fn(row)
	})
}
