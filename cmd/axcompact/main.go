// Command axcompact compacts axmail's message store and checks its
// consistency. It is built to run from cron: silent on success, a lock,
// sysexits exit codes.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/axmail/axmail/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCmd(os.Stdout, os.Stderr)
	err := root.ExecuteContext(ctx)
	cli.PrintError(os.Stderr, "axcompact", err)
	os.Exit(exitCode(err))
}
