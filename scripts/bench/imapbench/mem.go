package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// memUse is resident memory in bytes: RSS counts shared pages in full in
// every process, PSS divides them among the processes that share them.
type memUse struct {
	rss, pss int64
	procs    int
}

// processMem reads one process's smaps_rollup.
func processMem(pid int) (memUse, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return memUse{}, err
	}
	m := memUse{procs: 1}
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
			m.rss = kb << 10
		case "Pss:":
			m.pss = kb << 10
		}
	}
	return m, nil
}

// childrenMem sums processMem over the children of ppid named comm.
func childrenMem(ppid int, comm string) (memUse, error) {
	dirs, err := filepath.Glob("/proc/[0-9]*")
	if err != nil {
		return memUse{}, err
	}
	var sum memUse
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
		m, err := processMem(pid)
		if err != nil {
			continue
		}
		sum.rss += m.rss
		sum.pss += m.pss
		sum.procs++
	}
	return sum, nil
}
