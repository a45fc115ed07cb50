package main

import (
	"errors"

	"github.com/axmail/axmail/internal/cli"
	"github.com/axmail/axmail/internal/config"
	"github.com/axmail/axmail/internal/store"
)

// Exit codes, as sysexits(3) with dsync's 2.
const (
	exitOK       = 0
	exitPartial  = 2  // problems found, or some containers skipped
	exitUsage    = 64 // bad flags or arguments
	exitSoftware = 70 // an internal error
	exitIOErr    = 74 // an I/O error on the store
	exitTempFail = 75 // the lock is held (axd is running): retry later
	exitConfig   = 78 // bad configuration
)

const exitStatusHelp = `
EXIT STATUS
  0   done: the store is clean (check) or compacted (run)
  2   done in part: problems found (check), or damaged containers skipped (run)
  64  usage error
  70  internal error
  74  I/O error reading or writing the store
  75  the data directory is locked and no axd answers on its control socket
      (another axcompact runs), or index or --rebuild-index while axd runs:
      retry later
  78  bad configuration
`

func exitCode(err error) int {
	var ee *cli.ExitError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ee):
		return ee.Code
	case errors.Is(err, store.ErrLocked):
		return exitTempFail
	case config.IsConfigError(err):
		return exitConfig
	case cli.IsUsage(err):
		return exitUsage
	case store.IsPermanent(err):
		return exitSoftware
	default:
		return exitIOErr
	}
}
