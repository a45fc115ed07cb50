package imap

// StoreOptions contains options for the STORE command.
type StoreOptions struct {
	UnchangedSince uint64 // requires CONDSTORE
	// HasUnchangedSince is set when the UNCHANGEDSINCE modifier was given:
	// UNCHANGEDSINCE 0 is valid and fails for every message (RFC 7162
	// section 3.1.3), so UnchangedSince alone cannot tell it from no
	// modifier. Requires CONDSTORE.
	HasUnchangedSince bool
}

// StoreFlagsOp is a flag operation: set, add or delete.
type StoreFlagsOp int

const (
	StoreFlagsSet StoreFlagsOp = iota
	StoreFlagsAdd
	StoreFlagsDel
)

// StoreFlags alters message flags.
type StoreFlags struct {
	Op     StoreFlagsOp
	Silent bool
	Flags  []Flag
}
