// Command axcompact compacts axmail's message store and checks its
// consistency. It is built to run from cron: silent on success, a lock,
// sysexits exit codes.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRootCmd(os.Stdout, os.Stderr)
	err := root.ExecuteContext(ctx)
	if err != nil {
		fmt.Fprintf(os.Stderr, "axcompact: %v\n", err)
	}
	os.Exit(exitCode(err))
}
