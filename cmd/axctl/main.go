// Command axctl administers a running axd through its control socket.
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
	err := newRootCmd(os.Stdin, os.Stdout, os.Stderr).ExecuteContext(ctx)
	cli.PrintError(os.Stderr, "axctl", err)
	os.Exit(exitCode(err))
}
