package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: imapbench ports|fill|fetch|select|pop3|append|idle [flags]")
		os.Exit(64)
	}
	if err := run(os.Args[1], os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "imapbench:", err)
		os.Exit(1)
	}
}

func run(cmd string, args []string) error {
	switch cmd {
	case "ports":
		return ports(args)
	case "fill":
		return fill(args)
	case "fetch":
		return fetch(args)
	case "select":
		return selectCmd(args)
	case "pop3":
		return retr(args)
	case "append":
		return appendCmd(args)
	case "idle":
		return idle(args)
	}
	return fmt.Errorf("unknown command %q", cmd)
}
