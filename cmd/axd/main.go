// Command axd is axmail's mail daemon.
package main

import (
	"fmt"
	"os"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	root := newRootCmd(os.Stdout, os.Stderr)
	err := root.Execute()
	if err != nil {
		fmt.Fprintf(os.Stderr, "axd: %v\n", err)
	}
	os.Exit(exitCode(err))
}
