// Package procmem reads the memory of processes from /proc, for the
// benchmarks that compare memory per connection.
package procmem

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Use is resident memory in bytes: RSS counts shared pages in full in
// every process, PSS divides them among the processes that share them.
type Use struct {
	RSS, PSS int64
	Procs    int
}

// Process reads one process's smaps_rollup.
func Process(pid int) (Use, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return Use{}, err
	}
	m := Use{Procs: 1}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 {
			continue
		}
		kb, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		switch f[0] {
		case "Rss:":
			m.RSS = kb << 10
		case "Pss:":
			m.PSS = kb << 10
		}
	}
	return m, nil
}

// Children sums Process over the children of ppid named comm.
func Children(ppid int, comm string) (Use, error) {
	dirs, err := filepath.Glob("/proc/[0-9]*")
	if err != nil {
		return Use{}, err
	}
	var sum Use
	for _, d := range dirs {
		pid, _ := strconv.Atoi(filepath.Base(d))
		st, err := os.ReadFile(d + "/stat")
		if err != nil {
			continue // gone meanwhile
		}
		// stat is "pid (comm) state ppid ...": comm may hold spaces.
		s := string(st)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open {
			continue
		}
		rest := strings.Fields(s[end+1:])
		if s[open+1:end] != comm || len(rest) < 2 || rest[1] != strconv.Itoa(ppid) {
			continue
		}
		m, err := Process(pid)
		if err != nil {
			continue
		}
		sum.RSS += m.RSS
		sum.PSS += m.PSS
		sum.Procs++
	}
	return sum, nil
}

// Of is the memory of the server the idle benchmarks measure: process pid
// when it is set (one process serves every connection), else the
// processes named comm under ppid (a process per connection).
func Of(pid, ppid int, comm string) (Use, error) {
	if pid != 0 {
		return Process(pid)
	}
	return Children(ppid, comm)
}
