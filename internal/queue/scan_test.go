package queue

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestOpenDamagedFiles damages queue files in every way the format checks
// and checks that Open keeps the good messages, moves each damaged file to
// corrupt/ unchanged, removes temp files and leaves foreign files alone.
func TestOpenDamagedFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	q := openQueue(t, dir, nil)
	var ms []Message
	for i := range 12 {
		ms = append(ms, enqueue(t, q, testEnvelope(i), testBody(i+10)))
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	path := func(m Message) string { return filepath.Join(dir, m.ID+msgSuffix) }
	read := func(m Message) []byte {
		b, err := os.ReadFile(path(m))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	flip := func(m Message, off int) {
		b := read(m)
		if off < 0 {
			off += len(b)
		}
		b[off] ^= 0x40
		write(m.ID+msgSuffix, b)
	}
	envEnd := func(m Message) int { return headerSize + len(encodeEnvelope(m)) }
	damaged := map[string]func(m Message){
		"truncated body":       func(m Message) { os.Truncate(path(m), int64(len(read(m))-3)) },
		"truncated header":     func(m Message) { os.Truncate(path(m), 10) },
		"empty":                func(m Message) { os.Truncate(path(m), 0) },
		"extended":             func(m Message) { write(m.ID+msgSuffix, append(read(m), "more"...)) },
		"bad magic":            func(m Message) { flip(m, 0) },
		"bad version":          func(m Message) { flip(m, 4) },
		"bad header checksum":  func(m Message) { flip(m, 25) },
		"body bit flipped":     func(m Message) { flip(m, -1) },
		"envelope bit flipped": func(m Message) { flip(m, envEnd(m)-2) },
		"huge envelope length": func(m Message) {
			// A valid header (its checksum right) announcing 4 GiB of envelope.
			b := read(m)
			h := header{envLen: 0xffffffff, bodyLen: 1, crc: 0}
			write(m.ID+msgSuffix, append(h.marshal(), b[headerSize:]...))
		},
		"renamed": func(m Message) {
			// Intact, but under another message's name.
			other := strings.Repeat("0", idLen)
			write(other+msgSuffix, read(m))
			os.Remove(path(m))
		},
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range damaged {
			if !yield(n) {
				return
			}
		}
	})
	var corrupt []string // file names expected in corrupt/
	for i, name := range names {
		damaged[name](ms[i])
		if name == "renamed" {
			corrupt = append(corrupt, strings.Repeat("0", idLen)+msgSuffix)
		} else {
			corrupt = append(corrupt, ms[i].ID+msgSuffix)
		}
	}
	good := ms[len(names):]
	before := make(map[string][]byte)
	for _, n := range corrupt {
		b, _ := os.ReadFile(filepath.Join(dir, n))
		before[n] = b
	}
	tmpName := good[0].ID[:16] + "ffffffff" + tmpSuffix
	write(tmpName, []byte("half a message"))
	foreign := []string{"README", "x.msg", "0123" + msgSuffix}
	for _, n := range foreign {
		write(n, []byte("not ours"))
	}
	if err := os.Mkdir(filepath.Join(dir, "subdir"), 0o700); err != nil {
		t.Fatal(err)
	}

	var log bytes.Buffer
	q = openQueue(t, dir, &log)
	defer q.Close()
	var ids []string
	for _, m := range q.List() {
		ids = append(ids, m.ID)
	}
	var want []string
	for _, m := range good {
		want = append(want, m.ID)
	}
	if !slices.Equal(ids, want) {
		t.Fatalf("after damage List = %v, want %v\nlog:\n%s", ids, want, log.String())
	}
	for _, n := range corrupt {
		b, err := os.ReadFile(filepath.Join(dir, corruptName, n))
		if err != nil || !bytes.Equal(b, before[n]) {
			t.Errorf("corrupt/%s: %v (changed: %v)", n, err, !bytes.Equal(b, before[n]))
		}
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			t.Errorf("%s still in the queue directory", n)
		}
		if !strings.Contains(log.String(), n) {
			t.Errorf("log does not name %s:\n%s", n, log.String())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, tmpName)); !os.IsNotExist(err) {
		t.Errorf("temp file %s not removed: %v", tmpName, err)
	}
	for _, n := range append(foreign, "subdir") {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("foreign %s: %v", n, err)
		}
		if !strings.Contains(log.String(), "file="+n) {
			t.Errorf("log does not report foreign %s:\n%s", n, log.String())
		}
	}
	// A second open finds nothing more to report.
	q.Close()
	log.Reset()
	q = openQueue(t, dir, &log)
	if q.Len() != len(good) || strings.Contains(log.String(), "corrupt") {
		t.Errorf("second open: Len %d, log:\n%s", q.Len(), log.String())
	}
	// A damaged file under a name already in corrupt/ keeps both.
	q.Close()
	write(corrupt[0], []byte("damaged again"))
	q = openQueue(t, dir, nil)
	if q.Len() != len(good) {
		t.Errorf("third open: Len %d, want %d", q.Len(), len(good))
	}
	if b, err := os.ReadFile(filepath.Join(dir, corruptName, corrupt[0]+".1")); err != nil || string(b) != "damaged again" {
		t.Errorf("second corrupt file of one name: %q, %v", b, err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, corruptName, corrupt[0])); !bytes.Equal(b, before[corrupt[0]]) {
		t.Errorf("first corrupt file overwritten")
	}
}
