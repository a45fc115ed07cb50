// Package directory is axmail's account directory: the domains the server
// accepts mail for, their accounts and aliases (catch-alls included), and
// the settings (quotas, size and rate limits, session timeouts, enabled,
// services) that the server, a domain and an account each may set.
//
// It answers the questions every protocol asks on its hot path from
// memory, in O(1): is this domain local (HasDomain), where does mail to
// this address go (Resolve), what are this account's limits (Effective).
// Reads of whole records (GetAccount, for the password hash; listings)
// go to the file.
//
// # Settings
//
// Each setting is nil at a level to inherit from the one above: account,
// then domain, then server. The server level is DefaultServerSettings,
// overridden by the config (Options.Server, SetServerSettings on reload),
// overridden in turn by what an administrator stored in the file
// (PatchServerSettings), so it is always concrete (server.go). Enabled is the exception to "the lowest level wins": an
// entity is enabled only if it and every level above it are, so a
// disabled domain disables its accounts whatever they say.
//
// # Addresses
//
// Domains are stored lower-case in ASCII (A-labels); local parts are kept
// as created, and every lookup folds them to lower case. See address.go.
// Alias addresses are stored lower-case. Sub-addresses (user+tag@) reach
// user@ when no account or alias has the full address.
//
// # On-disk layout
//
// One bbolt file, normally <data_dir>/directory.db (FileName), holds four
// buckets (state.go): meta (format version, stored server settings),
// domains, accounts and aliases. Account and alias keys are domain, NUL, lower-case local part,
// so a domain's entries are contiguous and sorted; values are compact
// binary records led by a format byte (codec.go) whose decoding checks
// every length and never panics on corrupt bytes. Open refuses a file
// whose keys and values disagree or whose accounts lack their domain.
//
// # Locking and consistency
//
// Every change is one bbolt transaction, fsynced at commit. Writers are
// serialised by a mutex held across the transaction and the update of the
// in-memory maps that follows the commit, so the maps change in commit
// order and never show uncommitted state. Readers take a read lock on the
// maps; a writer takes the write lock only to publish a committed
// transaction, never during I/O. Within a transaction, account and alias
// records are written in key order at the end (txn.flush), so a batch in
// random order touches each page once. Entries in the maps are never modified
// in place. bbolt's file lock keeps a second process out; Open waits up
// to Options.Timeout for it.
//
// The directory must not hash or check passwords (internal/auth does; a
// hash here is an opaque string that never shows in logs), touch
// mailboxes (a caller that removes accounts deletes their mailboxes in
// internal/store), or enforce the limits it stores (internal/policy and
// the protocol servers do).
package directory
