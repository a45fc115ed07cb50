package daemon

import (
	"context"

	"github.com/axmail/axmail/internal/auth"
	"github.com/axmail/axmail/internal/directory"
)

// loginAccounts lets auth.Login read and rehash passwords in the
// directory.
type loginAccounts struct{ dir *directory.Directory }

var _ auth.Accounts = loginAccounts{}

func (a loginAccounts) PasswordHash(addr string) (string, string, bool, error) {
	acct, err := a.dir.GetAccount(addr)
	if err != nil {
		return "", "", false, err
	}
	eff, err := a.dir.Effective(acct.Email)
	if err != nil {
		return "", "", false, err
	}
	return acct.Email, string(acct.PasswordHash), eff.Enabled, nil
}

func (a loginAccounts) SetPasswordHash(ctx context.Context, email, hash string) error {
	return a.dir.SetPassword(ctx, email, directory.PasswordHash(hash))
}

// newLogin builds the password check that the protocol services share.
func newLogin(h *auth.Hasher, dir *directory.Directory, rehash bool, d *Daemon) *auth.Login {
	return &auth.Login{Hasher: h, Accounts: loginAccounts{dir}, Rehash: rehash, Logger: d.log.With("component", "auth")}
}
