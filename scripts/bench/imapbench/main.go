package main

import (
	"fmt"
	"io"
	"os"

	"github.com/axmail/axmail/scripts/bench/internal/freeport"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: imapbench ports|fill|fetch|select|pop3|append|idle [flags]")
		os.Exit(64)
	}
	if err := run(os.Args[1], os.Args[2:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "imapbench:", err)
		os.Exit(1)
	}
}

func run(cmd string, args []string, out io.Writer) error {
	switch cmd {
	case "ports":
		return freeport.Command(args, out)
	case "fill":
		return fill(args, out)
	case "fetch":
		return fetch(args, out)
	case "select":
		return selectCmd(args, out)
	case "pop3":
		return retr(args, out)
	case "append":
		return appendCmd(args, out)
	case "idle":
		return idle(args, out)
	}
	return fmt.Errorf("unknown command %q", cmd)
}
