// Command smtpbench is scripts/bench/smtp.sh's helper:
//
//	smtpbench ports --n N
//	smtpbench latency --addr HOST:PORT --messages N --conns C --size BYTES --users U --domain D --prefix P
//	smtpbench idle --addr HOST:PORT --conns N (--pid PID | --ppid PID --comm NAME) --prefix P
//	smtpbench count --socket PATH --users U --domain D
//	smtpbench cpu PID...
//
// ports prints N free TCP ports on 127.0.0.1, one a line. latency sends N
// messages over C connections kept open (EHLO once, then MAIL, RCPT,
// DATA in turn), to <i>u@D for i in 1..U round robin, and times each from
// the final "." to the 250 that follows. idle opens N connections, reads
// each greeting and EHLO reply, then, with all of them open and idle,
// measures the server's memory against a measure taken before the first:
// one process (--pid: axd) or the sum over the children of a process
// with a given name (--ppid and --comm: Postfix's smtpd processes of its
// master). count prints the messages axd holds for the accounts
// <i>u@D, i in 1..U, through the control socket. cpu prints the CPU
// seconds used so far by the process trees under the pids.
//
// latency and idle print "key value" lines, keys prefixed by --prefix.
package main

import (
	"fmt"
	"os"

	"github.com/axmail/axmail/scripts/bench/internal/freeport"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: smtpbench ports|latency|idle|count|cpu [flags]")
		os.Exit(64)
	}
	var err error
	switch os.Args[1] {
	case "ports":
		err = freeport.Command(os.Args[2:], os.Stdout)
	case "latency":
		err = latency(os.Args[2:])
	case "idle":
		err = idle(os.Args[2:])
	case "count":
		err = count(os.Args[2:])
	case "cpu":
		err = cpu(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "smtpbench:", err)
		os.Exit(1)
	}
}
