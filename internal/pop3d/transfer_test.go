package pop3d

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
)

// transform runs body through a lineWriter, fed whole or, with chunk 1,
// one byte at a time.
func transform(body string, stuff, top bool, lines, chunk int) (string, int64, error) {
	var out bytes.Buffer
	lw := &lineWriter{w: &out, stuff: stuff, top: top, bodyLines: lines}
	var r io.Reader = strings.NewReader(body)
	if chunk == 1 {
		r = iotest.OneByteReader(r)
	}
	err := copyMessage(context.Background(), lw, r, make([]byte, chunkSize))
	return out.String(), lw.n, err
}

func TestLineWriter(t *testing.T) {
	for _, c := range []struct {
		name, in   string
		stuff, top bool
		lines      int
		want       string
	}{
		{"crlf kept", "a\r\nb\r\n", false, false, 0, "a\r\nb\r\n"},
		{"bare lf", "a\nb\n", false, false, 0, "a\r\nb\r\n"},
		{"mixed", "a\r\nb\nc\r\n", false, false, 0, "a\r\nb\r\nc\r\n"},
		{"lone cr kept", "a\rb\n", false, false, 0, "a\rb\r\n"},
		{"no final newline", "a\nb", false, false, 0, "a\r\nb\r\n"},
		{"final cr", "a\r", false, false, 0, "a\r\n"},
		{"empty", "", false, false, 0, ""},
		{"only newlines", "\n\n", false, false, 0, "\r\n\r\n"},
		{"dot stuffed", ".a\n..b\r\n.\nc.\n", true, false, 0, "..a\r\n...b\r\n..\r\nc.\r\n"},
		{"dot not stuffed for size", ".a\n", false, false, 0, ".a\r\n"},
		{"dot after lone cr not at line start", "a\r.b\n", true, false, 0, "a\r.b\r\n"},
		{"top 0", "H: 1\nH: 2\n\nb1\nb2\n", false, true, 0, "H: 1\r\nH: 2\r\n\r\n"},
		{"top 1", "H: 1\r\n\r\nb1\r\nb2\r\n", false, true, 1, "H: 1\r\n\r\nb1\r\n"},
		{"top more than body", "H: 1\n\nb1\n", false, true, 5, "H: 1\r\n\r\nb1\r\n"},
		{"top no body", "H: 1\nH: 2", false, true, 0, "H: 1\r\nH: 2\r\n"},
		{"top cr-only empty line", "H: 1\r\n\r\nb\r\n", false, true, 0, "H: 1\r\n\r\n"},
		{"top stuffed", "H: 1\n\n.x\n.y\n", true, true, 1, "H: 1\r\n\r\n..x\r\n"},
	} {
		for _, chunk := range []int{0, 1} {
			got, n, err := transform(c.in, c.stuff, c.top, c.lines, chunk)
			if err != nil || got != c.want {
				t.Errorf("%s (chunk %d): %q -> %q, %v; want %q", c.name, chunk, c.in, got, err, c.want)
			}
			if !c.stuff && n != int64(len(got)) {
				t.Errorf("%s: counted %d, wrote %d", c.name, n, len(got))
			}
		}
	}
}

// FuzzLineWriter checks, for any stored body, that what RETR sends has
// only CRLF line ends, un-stuffs to the counted size, matches the
// reference sentForm, and that TOP sends a prefix of it.
func FuzzLineWriter(f *testing.F) {
	for _, s := range []string{"", "a", "a\nb", "a\r\n.b\r\n", ".\n", "..\r\n", "\r", "\r\r\n", "H: 1\n\nbody\n", msgCRLF, msgLF, msgNoEnd} {
		f.Add(s, uint8(1))
	}
	f.Fuzz(func(t *testing.T, body string, lines uint8) {
		stuffed, n, err := transform(body, true, false, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		plain, m, _ := transform(body, false, false, 0, 1)
		if plain != sentForm(body) {
			t.Fatalf("sent %q, want %q", plain, sentForm(body))
		}
		if n != m || int64(len(plain)) != n {
			t.Fatalf("sizes %d and %d, sent %d", n, m, len(plain))
		}
		if strings.Contains(strings.ReplaceAll(stuffed, "\r\n", ""), "\n") {
			t.Fatalf("bare LF in %q", stuffed)
		}
		var unstuffed strings.Builder
		for l := range strings.SplitAfterSeq(stuffed, "\r\n") {
			if strings.HasPrefix(l, ".") {
				if !strings.HasPrefix(l, "..") {
					t.Fatalf("unstuffed dot line %q", l)
				}
				l = l[1:]
			}
			unstuffed.WriteString(l)
		}
		if unstuffed.String() != plain {
			t.Fatalf("un-stuffed %q, want %q", unstuffed.String(), plain)
		}
		top, _, _ := transform(body, false, true, int(lines), 0)
		if !strings.HasPrefix(plain, top) {
			t.Fatalf("TOP %d = %q, not a prefix of %q", lines, top, plain)
		}
	})
}

func TestHugeMessageStreamed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	// 6 MB in bare-LF lines, some dot-led, and a 1 MB line with no end.
	var b strings.Builder
	b.WriteString("Subject: huge\n\n")
	for i := 0; b.Len() < 5<<20; i++ {
		if i%5 == 0 {
			b.WriteString(".")
		}
		fmt.Fprintf(&b, "line %d %s\n", i, strings.Repeat("y", 90))
	}
	b.WriteString(strings.Repeat("z", 1<<20))
	body := b.String()
	e.deliver(alice, body)
	rc := e.dialRaw()
	rc.login(alice)
	want := sentForm(body)
	if got, w := rc.cmd("LIST 1"), fmt.Sprintf("+OK 1 %d", len(want)); got != w {
		t.Errorf("LIST 1 = %q, want %q", got, w)
	}
	if got, w := rc.cmd("RETR 1"), fmt.Sprintf("+OK %d octets", len(want)); got != w {
		t.Fatalf("RETR 1 = %q, want %q", got, w)
	}
	if got := rc.multi(); got != want {
		t.Errorf("RETR of %d bytes: got %d bytes, differing", len(want), len(got))
	}
	if got := rc.cmd("TOP 1 3"); got != "+OK top of message follows" {
		t.Fatalf("TOP = %q", got)
	}
	if got, w := rc.multi(), "Subject: huge\r\n\r\n.line 0 "+strings.Repeat("y", 90)+"\r\nline 1 "; !strings.HasPrefix(got, w) || strings.Count(got, "\r\n") != 5 {
		t.Errorf("TOP 1 3 = %.120q...", got)
	}
	if got := rc.cmd("NOOP"); got != "+OK" {
		t.Errorf("NOOP after RETR = %q", got)
	}
}

// TestRETRDoesNotBufferMessage measures what the process allocates while a
// 16 MB message is retrieved by a client that keeps nothing: far less
// than the message, so it is streamed. Not parallel, so that other tests'
// allocations do not count.
func TestRETRDoesNotBufferMessage(t *testing.T) {
	e := newEnv(t, envOptions{})
	var b strings.Builder
	b.WriteString("Subject: big\n\n")
	for b.Len() < 16<<20 {
		b.WriteString(".0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz\n")
	}
	e.deliver(alice, b.String())
	want := int64(len(sentForm(b.String())))
	b.Reset()
	rc := e.dialRaw()
	rc.login(alice)
	if got := rc.cmd("LIST 1"); got != fmt.Sprintf("+OK 1 %d", want) {
		t.Fatalf("LIST 1 = %q", got)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	rc.write("RETR 1\r\n")
	if got := rc.line(); got != fmt.Sprintf("+OK %d octets", want) {
		t.Fatalf("RETR 1 = %q", got)
	}
	// Count the body's bytes up to the terminating line, in place.
	var n int64
	for {
		l, err := rc.tp.R.ReadSlice('\n')
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			t.Fatalf("RETR body: %v", err)
		}
		if string(l) == ".\r\n" {
			break
		}
		n += int64(len(l))
		if len(l) > 1 && l[0] == '.' {
			n--
		}
	}
	runtime.ReadMemStats(&after)
	if n != want {
		t.Errorf("RETR sent %d octets, want %d", n, want)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("RETR of %d bytes allocated %d bytes", want, alloc)
	} else {
		t.Logf("RETR of %d bytes allocated %d bytes", want, alloc)
	}
}
