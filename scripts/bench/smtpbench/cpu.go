package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// cpu prints the CPU seconds (user + system) that the process trees under
// the given pids used so far: each live process's own time plus that of
// the children it has reaped, so that the time of Postfix's short-lived
// smtpd and lmtp processes is counted once they exit as while they run.
func cpu(args []string) error {
	fs := flag.NewFlagSet("cpu", flag.ExitOnError)
	_ = fs.Parse(args)
	roots := make(map[int]bool)
	for _, a := range fs.Args() {
		pid, err := strconv.Atoi(a)
		if err != nil {
			return fmt.Errorf("pid %q: %v", a, err)
		}
		roots[pid] = true
	}
	if len(roots) == 0 {
		return fmt.Errorf("no pid given")
	}
	procs, err := readStats()
	if err != nil {
		return err
	}
	var ticks int64
	for pid, p := range procs {
		if inTree(pid, roots, procs) {
			ticks += p.ticks
		}
	}
	// Linux reports these in USER_HZ, 100 a second on every architecture
	// Go supports there.
	fmt.Printf("%.2f\n", float64(ticks)/100)
	return nil
}

type procStat struct {
	ppid  int
	ticks int64 // utime + stime + cutime + cstime
}

func readStats() (map[int]procStat, error) {
	dirs, err := filepath.Glob("/proc/[0-9]*")
	if err != nil {
		return nil, err
	}
	out := make(map[int]procStat, len(dirs))
	for _, d := range dirs {
		pid, _ := strconv.Atoi(filepath.Base(d))
		b, err := os.ReadFile(d + "/stat")
		if err != nil {
			continue // gone meanwhile
		}
		// "pid (comm) state ppid ... utime stime cutime cstime ...": the
		// fields after comm, which may hold spaces, start at state.
		s := string(b)
		end := strings.LastIndexByte(s, ')')
		if end < 0 {
			continue
		}
		f := strings.Fields(s[end+1:])
		if len(f) < 15 {
			continue
		}
		var st procStat
		st.ppid, _ = strconv.Atoi(f[1])
		for _, x := range f[11:15] {
			n, _ := strconv.ParseInt(x, 10, 64)
			st.ticks += n
		}
		out[pid] = st
	}
	return out, nil
}

// inTree reports whether pid is one of roots or descends from one.
func inTree(pid int, roots map[int]bool, procs map[int]procStat) bool {
	for range 64 { // deeper than any tree here; guards against a cycle
		if roots[pid] {
			return true
		}
		p, ok := procs[pid]
		if !ok || p.ppid <= 1 {
			return false
		}
		pid = p.ppid
	}
	return false
}
