package directory

import "errors"

// sentinel is a package error that also matches a broader one with
// errors.Is: ErrNoAccount is an ErrNotFound.
type sentinel struct {
	msg    string
	parent error
}

func (e *sentinel) Error() string { return e.msg }
func (e *sentinel) Unwrap() error { return e.parent }

// Errors returned by the directory. Callers test them with errors.Is;
// the specific ones (ErrNoDomain, ErrNoAccount, ErrNoAlias) also match
// ErrNotFound. Errors not listed here are temporary (I/O).
var (
	ErrNotFound = errors.New("directory: not found")
	ErrExists   = errors.New("directory: already exists")
	ErrInvalid  = errors.New("directory: invalid")
	ErrNotEmpty = errors.New("directory: domain has accounts or aliases")
	ErrClosed   = errors.New("directory: closed")

	ErrNoDomain  error = &sentinel{"directory: domain does not exist", ErrNotFound}
	ErrNoAccount error = &sentinel{"directory: account does not exist", ErrNotFound}
	ErrNoAlias   error = &sentinel{"directory: alias does not exist", ErrNotFound}
)

// IsPermanent reports whether err will fail again if retried unchanged:
// a missing or existing name, an invalid value, a non-empty domain.
// Unknown errors (disk, a closed directory) are temporary.
func IsPermanent(err error) bool {
	for _, p := range []error{ErrNotFound, ErrExists, ErrInvalid, ErrNotEmpty} {
		if errors.Is(err, p) {
			return true
		}
	}
	return false
}
