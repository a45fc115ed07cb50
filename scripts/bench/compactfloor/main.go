// Command compactfloor does the file I/O that a compaction of a store
// with half of every container dead cannot avoid, and nothing else: it
// reads every container whole, writes half of its bytes to new files of
// two sources each (as many bytes as live records hold in such a store),
// fdatasyncs each new file and the directory, and then, unless --keep,
// unlinks the sources. No index, no checksums, no records: a floor to
// measure axcompact run against on the same disk (store.sh). With --keep
// it shows what freeing the sources' space costs, which cp+sync, the
// issue's peer, never pays. It prints "key value" lines, keys prefixed by
// --prefix, as the other benchmark programs do.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"golang.org/x/sys/unix"

	"github.com/axmail/axmail/internal/durable"
)

func main() {
	dataDir := flag.String("data-dir", "", "store data directory (its containers are read, and removed unless --keep)")
	keep := flag.Bool("keep", false, "leave the sources in place")
	prefix := flag.String("prefix", "floor", "prefix of the keys printed")
	flag.Parse()
	if *dataDir == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: compactfloor --data-dir DIR [--keep] [--prefix P]")
		os.Exit(64)
	}
	start := time.Now()
	n, written, err := run(*dataDir, *keep)
	if err != nil {
		fmt.Fprintln(os.Stderr, "compactfloor:", err)
		os.Exit(1)
	}
	fmt.Printf("%[1]s.sources %[2]d\n%[1]s.written_bytes %[3]d\n%[1]s.seconds %.6[4]f\n", *prefix, n, written, time.Since(start).Seconds())
}

func run(dataDir string, keep bool) (sources int, written int64, err error) {
	srcs, err := filepath.Glob(filepath.Join(dataDir, "containers", "*", "*.axc"))
	if err != nil {
		return 0, 0, err
	}
	if len(srcs) == 0 {
		return 0, 0, fmt.Errorf("no containers under %s", dataDir)
	}
	slices.Sort(srcs)
	outDir := filepath.Join(dataDir, "floor")
	if err := os.Mkdir(outDir, 0o750); err != nil {
		return 0, 0, err
	}
	buf := make([]byte, 4<<20)
	var out *os.File
	var outOff int64
	closeOut := func() error {
		if out == nil {
			return nil
		}
		err := unix.Fdatasync(int(out.Fd()))
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		out = nil
		return err
	}
	for i, p := range srcs {
		if i%2 == 0 {
			if err := closeOut(); err != nil {
				return 0, 0, err
			}
			if out, err = os.Create(filepath.Join(outDir, fmt.Sprintf("%04d", i/2))); err != nil {
				return 0, 0, err
			}
			outOff = 0
		}
		n, err := copyHalf(p, out, outOff, buf)
		if err != nil {
			return 0, 0, err
		}
		outOff += n
		written += n
	}
	if err := closeOut(); err != nil {
		return 0, 0, err
	}
	if err := durable.SyncDir(outDir); err != nil {
		return 0, 0, err
	}
	if !keep {
		for _, p := range srcs {
			if err := os.Remove(p); err != nil {
				return 0, 0, err
			}
		}
	}
	return len(srcs), written, nil
}

// copyHalf reads src whole and writes the first half of every chunk read
// to out at off; it returns the bytes written.
func copyHalf(src string, out *os.File, off int64, buf []byte) (int64, error) {
	f, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var pos, written int64
	for {
		n, err := f.ReadAt(buf, pos)
		if n > 0 {
			if _, werr := out.WriteAt(buf[:n/2], off+written); werr != nil {
				return 0, werr
			}
			written += int64(n / 2)
			pos += int64(n)
		}
		if errors.Is(err, io.EOF) {
			return written, nil
		}
		if err != nil {
			return 0, err
		}
	}
}
