// Package freeport finds free TCP ports on 127.0.0.1 for the benchmark
// scripts' servers.
package freeport

import (
	"flag"
	"fmt"
	"io"
	"net"
)

// Command is the "ports --n N" subcommand of the benchmark programs: it
// prints N free loopback ports, one a line. All listeners are open at
// once, so the ports differ, then closed for the servers to take.
func Command(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("ports", flag.ContinueOnError)
	n := fs.Int("n", 1, "ports")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range *n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		ls = append(ls, l)
		fmt.Fprintln(out, l.Addr().(*net.TCPAddr).Port)
	}
	return nil
}
