// Command axd is axmail's mail daemon.
package main

import (
	"os"

	"github.com/axmail/axmail/internal/cli"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	root := newRootCmd(os.Stdout, os.Stderr)
	err := root.Execute()
	cli.PrintError(os.Stderr, "axd", err)
	os.Exit(exitCode(err))
}
