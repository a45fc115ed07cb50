package pop3d

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// benchBody is an 8 KiB message in CRLF lines, as the issue 5 benchmark
// (scripts/bench/imap.sh) stores them, with a few dot-led lines.
func benchBody(i int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Subject: bench %d\r\nFrom: a@example.org\r\n\r\n", i)
	for j := 0; b.Len() < 8192-80; j++ {
		if j%16 == 0 {
			b.WriteString(".")
		}
		fmt.Fprintf(&b, "line %04d %s\r\n", j, strings.Repeat("x", 60))
	}
	b.WriteString(strings.Repeat(".", 8192-b.Len()))
	return b.String()
}

const benchMessages = 200

// benchEnv is a server over a real store holding benchMessages messages of
// 8 KiB for alice, and a logged-in client whose STAT has sized them.
func benchEnv(b *testing.B) (*testEnv, *rawConn, *bufio.Writer) {
	b.Helper()
	e := newEnv(b, envOptions{})
	for i := range benchMessages {
		e.deliver(alice, benchBody(i))
	}
	rc := e.dialRaw()
	rc.login(alice)
	if got := rc.cmd("STAT"); !strings.HasPrefix(got, fmt.Sprintf("+OK %d ", benchMessages)) {
		b.Fatalf("STAT = %q", got)
	}
	_ = rc.c.SetDeadline(time.Now().Add(10 * time.Minute))
	return e, rc, bufio.NewWriter(rc.c)
}

// readRETR reads one RETR reply to its final "." and returns the octets
// of its body, un-stuffed, without keeping them.
func readRETR(b *testing.B, rc *rawConn) int64 {
	l, err := rc.tp.R.ReadSlice('\n')
	if err != nil || !bytes.HasPrefix(l, []byte("+OK ")) {
		b.Fatalf("RETR = %q, %v", l, err)
	}
	var n int64
	for {
		l, err := rc.tp.R.ReadSlice('\n')
		if err != nil {
			b.Fatalf("RETR body: %v", err)
		}
		if len(l) == 3 && l[0] == '.' {
			return n
		}
		n += int64(len(l))
		if l[0] == '.' {
			n--
		}
	}
}

// benchmarkRETR retrieves the maildrop in turn with depth commands in
// flight, as imapbench pop3 does.
func benchmarkRETR(b *testing.B, depth int) {
	_, rc, w := benchEnv(b)
	b.SetBytes(8192)
	b.ReportAllocs()
	b.ResetTimer()
	sent := 0
	for got := 0; got < b.N; got++ {
		for sent < b.N && sent-got < depth {
			fmt.Fprintf(w, "RETR %d\r\n", sent%benchMessages+1)
			sent++
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		if n := readRETR(b, rc); n != 8192 && n != 8194 {
			b.Fatalf("RETR %d: %d octets", got%benchMessages+1, n)
		}
	}
}

func BenchmarkRETR(b *testing.B)          { benchmarkRETR(b, 1) }
func BenchmarkRETRPipelined(b *testing.B) { benchmarkRETR(b, 16) }

// BenchmarkStatCold sizes a maildrop that no session or cache has seen:
// the first STAT after a restart.
func BenchmarkStatCold(b *testing.B) {
	e := newEnv(b, envOptions{})
	for i := range benchMessages {
		e.deliver(alice, benchBody(i))
	}
	buf := make([]byte, chunkSize)
	b.SetBytes(benchMessages * 8192)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		md, err := openMaildrop(e.st, alice)
		if err != nil {
			b.Fatal(err)
		}
		count, size, err := md.stat(context.Background(), e.st, newSizeCache(defaultSizeCacheEntries), buf)
		if err != nil || count != benchMessages || size < benchMessages*8192 {
			b.Fatalf("stat = %d, %d, %v", count, size, err)
		}
	}
}
