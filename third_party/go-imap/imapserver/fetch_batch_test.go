package imapserver

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

// deadlineConn is one end of a net.Pipe that records its write deadline
// and counts the writes made without one.
type deadlineConn struct {
	net.Conn

	mu        sync.Mutex
	deadline  time.Time
	sets      int // SetWriteDeadline calls with a deadline
	writes    int
	undefined int // writes without a deadline
}

func (c *deadlineConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	c.deadline = t
	if !t.IsZero() {
		c.sets++
	}
	c.mu.Unlock()
	return c.Conn.SetWriteDeadline(t)
}

func (c *deadlineConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	c.writes++
	if c.deadline.IsZero() {
		c.undefined++
	}
	c.mu.Unlock()
	return c.Conn.Write(b)
}

func (c *deadlineConn) hasDeadline() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.deadline.IsZero()
}

// pipeConn is a Conn over a deadlineConn whose peer is read into a buffer
// until the returned function is called, which returns what was read.
func pipeConn(t *testing.T) (*Conn, *deadlineConn, func() string) {
	p1, p2 := net.Pipe()
	t.Cleanup(func() { p1.Close(); p2.Close() })
	dc := &deadlineConn{Conn: p1}
	var got bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		io.Copy(&got, p2)
	}()
	c := &Conn{
		conn:    dc,
		server:  &Server{options: Options{Caps: condStoreCaps}},
		bw:      bufio.NewWriter(dc),
		enabled: make(imap.CapSet),
	}
	return c, dc, func() string {
		p1.Close()
		<-done
		return got.String()
	}
}

// batchResponses writes n FETCH responses through w, of every size: short
// ones, some with a flag list longer than the connection's buffer, an
// envelope and a body section. check runs after each Close.
func batchResponses(t *testing.T, w *FetchWriter, n int, check func(seq uint32)) {
	t.Helper()
	date := time.Date(2026, time.November, 29, 4, 5, 6, 0, time.UTC)
	var many []imap.Flag
	for i := 0; i < 400; i++ {
		many = append(many, imap.Flag(fmt.Sprintf("$keyword%03d", i)))
	}
	body := strings.Repeat("x", 3000)
	for i := 0; i < n; i++ {
		seq := uint32(i + 1)
		rw := w.CreateMessage(seq)
		rw.WriteUID(imap.UID(1000 + i))
		switch {
		case i%97 == 5:
			rw.WriteFlags(many) // beyond the 4 KiB buffer on its own
		case i%89 == 7:
			rw.WriteEnvelope(&imap.Envelope{Subject: "hello", MessageID: "x@example.org"})
		case i%83 == 9:
			lw := rw.WriteBodySection(&imap.FetchItemBodySection{Peek: true}, int64(len(body)))
			if _, err := io.WriteString(lw, body); err != nil {
				t.Fatal(err)
			}
			if err := lw.Close(); err != nil {
				t.Fatal(err)
			}
		default:
			rw.WriteFlags([]imap.Flag{imap.FlagSeen, imap.FlagAnswered})
		}
		rw.WriteModSeq(uint64(1) << 40)
		rw.WriteInternalDate(date)
		rw.WriteRFC822Size(int64(i) * 1000)
		if err := rw.Close(); err != nil {
			t.Fatalf("response %d: Close: %v", seq, err)
		}
		if check != nil {
			check(seq)
		}
	}
}

// TestFetchBatch: a FETCH command's responses stay in the connection's
// buffer between responses, yet every write to the connection happens
// under a write deadline and none is left set between responses, as
// upstream's one flush per response did; the bytes are the same.
func TestFetchBatch(t *testing.T) {
	const n = 3000

	ref, refBuf := testConn(t, condStoreCaps)
	batchResponses(t, &FetchWriter{conn: ref}, n, nil)
	want := flushed(t, ref, refBuf)

	c, dc, read := pipeConn(t)
	w := &FetchWriter{conn: c, batch: true}
	batchResponses(t, w, n, func(seq uint32) {
		if dc.hasDeadline() {
			t.Fatalf("a write deadline is left set after response %d", seq)
		}
	})
	if err := w.flush(); err != nil {
		t.Fatalf("flush: %v", err)
	}
	if dc.hasDeadline() {
		t.Error("a write deadline is left set after flush")
	}
	got := read()
	if got != want {
		t.Errorf("batched responses differ from unbatched ones: %d bytes, want %d", len(got), len(want))
	}
	dc.mu.Lock()
	defer dc.mu.Unlock()
	if dc.undefined > 0 {
		t.Errorf("%d of %d writes to the connection had no deadline", dc.undefined, dc.writes)
	}
	// About one write per 4 KiB buffer, and a deadline per write or
	// per long response, not one per response.
	if limit := len(want)/1000 + 200; dc.writes > limit || dc.sets > limit {
		t.Errorf("%d writes and %d deadlines for %d responses (%d bytes), want at most %d each", dc.writes, dc.sets, n, len(want), limit)
	}
}

// TestFetchUnbatched: a FetchWriter outside a FETCH command (flag updates,
// STORE) flushes each response at its Close.
func TestFetchUnbatched(t *testing.T) {
	c, dc, read := pipeConn(t)
	w := &FetchWriter{conn: c}
	batchResponses(t, w, 50, func(seq uint32) {
		if c.bw.Buffered() != 0 {
			t.Fatalf("response %d left %d bytes in the buffer", seq, c.bw.Buffered())
		}
		if dc.hasDeadline() {
			t.Fatalf("a write deadline is left set after response %d", seq)
		}
	})
	if out := read(); strings.Count(out, " FETCH (UID ") != 50 {
		t.Errorf("%d responses, want 50", strings.Count(out, " FETCH (UID "))
	}
}

// TestFetchResponseNoAllocs: a short FETCH response of a batch allocates
// nothing.
func TestFetchResponseNoAllocs(t *testing.T) {
	c, buf := testConn(t, condStoreCaps)
	w := &FetchWriter{conn: c, batch: true}
	flags := []imap.Flag{imap.FlagSeen, "$Label1"}
	date := time.Date(2026, time.November, 29, 4, 5, 6, 0, time.UTC)
	seq := uint32(0)
	write := func() {
		seq++
		rw := w.CreateMessage(seq)
		rw.WriteUID(imap.UID(seq))
		rw.WriteFlags(flags)
		rw.WriteModSeq(uint64(seq) << 20)
		rw.WriteInternalDate(date)
		rw.WriteRFC822Size(4096)
		if err := rw.Close(); err != nil {
			t.Fatal(err)
		}
		if buf.Len() > 1<<20 {
			buf.Reset()
		}
	}
	write() // the first response builds the encoder
	if allocs := testing.AllocsPerRun(1000, write); allocs != 0 {
		t.Errorf("a FETCH response allocates %v times, want 0", allocs)
	}
	if err := w.flush(); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("* %d FETCH (UID %d FLAGS (\\Seen $Label1) MODSEQ (%d) INTERNALDATE \"29-Nov-2026 04:05:06 +0000\" RFC822.SIZE 4096)\r\n", seq, seq, uint64(seq)<<20)
	if out := buf.String(); !strings.HasSuffix(out, want) {
		t.Errorf("output ends %q, want %q", out[len(out)-len(want):], want)
	}
}

// BenchmarkFetchResponses writes the FETCH (UID FLAGS) responses of a
// large mailbox through a batch, as FETCH 1:* (UID FLAGS) does; one op is
// one response.
func BenchmarkFetchResponses(b *testing.B) {
	for _, modSeq := range []bool{false, true} {
		b.Run(fmt.Sprintf("modseq=%v", modSeq), func(b *testing.B) {
			c := &Conn{
				conn:    discardConn{},
				server:  &Server{options: Options{Caps: condStoreCaps}},
				bw:      bufio.NewWriter(discardConn{}),
				enabled: make(imap.CapSet),
			}
			w := &FetchWriter{conn: c, batch: true}
			flags := []imap.Flag{imap.FlagSeen}
			b.ReportAllocs()
			seq := uint32(0)
			for b.Loop() {
				seq++
				rw := w.CreateMessage(seq)
				rw.WriteUID(imap.UID(seq))
				rw.WriteFlags(flags)
				if modSeq {
					rw.WriteModSeq(uint64(seq) + 1000)
				}
				if err := rw.Close(); err != nil {
					b.Fatal(err)
				}
			}
			if err := w.flush(); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// discardConn is a connection that accepts and drops every write.
type discardConn struct{ net.Conn }

func (discardConn) Write(b []byte) (int, error)      { return len(b), nil }
func (discardConn) SetWriteDeadline(time.Time) error { return nil }
