package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/axmail/axmail/internal/cli"
	"github.com/axmail/axmail/internal/config"
	"github.com/axmail/axmail/internal/control"
)

// Exit codes, as sysexits(3) with dsync's 2.
const (
	exitOK          = 0
	exitPartial     = 2  // done in part: some rows rejected, problems found
	exitUsage       = 64 // bad flags or arguments
	exitDataErr     = 65 // the input file itself is unusable
	exitUnavailable = 69 // axd unreachable
	exitSoftware    = 70 // the daemon refused or failed
	exitTempFail    = 75 // temporary failure: retry later
	exitConfig      = 78 // bad configuration
)

const exitStatusHelp = `
EXIT STATUS
  0   done
  2   done in part: some rows rejected, or problems found
  64  usage error
  65  the input file is unusable
  69  axd is not running or its control socket is unreachable
  70  axd refused the request (not found, exists, invalid), or another error
  75  temporary failure: retry later
  78  bad configuration
`

func exitCode(err error) int {
	var ee *cli.ExitError
	var ce *control.Error
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ee):
		return ee.Code
	case errors.Is(err, control.ErrUnreachable):
		return exitUnavailable
	case config.IsConfigError(err):
		return exitConfig
	case errors.As(err, &ce):
		if ce.Code == control.CodeUnavailable {
			return exitTempFail
		}
		return exitSoftware
	case cli.IsUsage(err):
		return exitUsage
	default:
		return exitSoftware
	}
}

// requireSubcommand makes a command group refuse to run without a known
// subcommand, with exit 64: cobra would print the help and exit 0, and a
// script that mistyped "account delete" would take that for success.
func requireSubcommand(cmd *cobra.Command) *cobra.Command {
	cmd.Args = cobra.NoArgs // an unknown subcommand: "unknown command"
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		return &cli.ExitError{Code: exitUsage, Err: fmt.Errorf("%s needs a subcommand; see %[1]s --help", cmd.CommandPath())}
	}
	return cmd
}
