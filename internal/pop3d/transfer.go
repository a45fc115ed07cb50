package pop3d

import (
	"bytes"
	"context"
	"io"
	"sync"

	"github.com/axmail/axmail/internal/store"
)

// lineWriter turns a stored message into its POP3 form as it streams
// through: every line ends in CRLF (a bare LF becomes CRLF; a CR not
// followed by LF is kept as a byte of its line), a last line without an
// ending gets CRLF, and with stuff set a line starting with "." gets one
// more (RFC 1939 §3). It never holds more than the caller's chunk.
//
// With top set it stops after the header, the empty line that ends it
// and bodyLines lines of body (TOP, RFC 1939 §7); a message without an
// empty line is all header.
//
// n counts the octets written other than the stuffed dots: the message's
// size "as sent", which STAT and LIST report, so the same code decides
// both what is sent and what is announced.
type lineWriter struct {
	w     io.Writer
	stuff bool
	n     int64
	err   error

	top       bool
	bodyLines int
	inBody    bool
	done      bool

	lineLen   int  // bytes of the current line so far, ending excluded
	firstByte byte // of the current line
	lastByte  byte // of the current line
}

var (
	crlf = []byte("\r\n")
	dot  = []byte(".")
)

func (lw *lineWriter) write(p []byte) {
	if lw.err != nil || len(p) == 0 {
		return
	}
	_, lw.err = lw.w.Write(p)
}

// Write consumes p; it reports the first error of the underlying writer.
// It works line by line with bytes.IndexByte but writes runs: the bytes
// of p that go out unchanged (CRLF lines not starting with ".") are
// written together, so a message stored in CRLF costs one write per
// chunk, and only a bare LF or a stuffed dot splits a run.
func (lw *lineWriter) Write(p []byte) (int, error) {
	total := len(p)
	run, i := 0, 0 // p[run:i] is checked and not yet written
	for i < len(p) && !lw.done && lw.err == nil {
		if lw.lineLen == 0 && lw.stuff && p[i] == '.' {
			lw.write(p[run:i])
			lw.write(dot)
			run = i
		}
		j := bytes.IndexByte(p[i:], '\n')
		end := len(p)
		if j >= 0 {
			end = i + j
		}
		if seg := p[i:end]; len(seg) > 0 {
			if lw.lineLen == 0 {
				lw.firstByte = seg[0]
			}
			lw.lastByte = seg[len(seg)-1]
			lw.lineLen += len(seg)
			lw.n += int64(len(seg))
		}
		if j < 0 {
			i = end
			break
		}
		if lw.lineLen > 0 && lw.lastByte == '\r' {
			lw.n++
		} else {
			// A bare LF: its CR goes out here, the LF with the run.
			lw.write(p[run:end])
			lw.write(crlf[:1])
			run = end
			lw.n += 2
		}
		i = end + 1
		lw.endLine()
	}
	lw.write(p[run:i])
	return total, lw.err
}

// endLine notes the end of the current line, whose ending Write has
// already accounted for, and counts lines for TOP.
func (lw *lineWriter) endLine() {
	empty := lw.lineLen == 0 || (lw.lineLen == 1 && lw.firstByte == '\r')
	lw.lineLen = 0
	if !lw.top {
		return
	}
	switch {
	case !lw.inBody:
		if empty {
			lw.inBody = true
			lw.done = lw.bodyLines == 0
		}
	default:
		lw.bodyLines--
		lw.done = lw.bodyLines <= 0
	}
}

// Close ends a last line that had no line ending. It does not write the
// terminating ".".
func (lw *lineWriter) Close() error {
	if lw.done || lw.lineLen == 0 {
		return lw.err
	}
	if lw.lastByte == '\r' {
		lw.write(crlf[1:])
		lw.n++
	} else {
		lw.write(crlf)
		lw.n += 2
	}
	lw.lineLen = 0
	return lw.err
}

// chunkSize is how much of a message is read at a time.
const chunkSize = 64 << 10

// chunkPool holds the chunk buffers of copyMessage, shared by the
// sessions of a Server: a new 64 KiB buffer per message (its zeroing,
// then the GC's work) cost a third of RETR's CPU.
type chunkPool struct{ p sync.Pool }

func (c *chunkPool) get() *[]byte {
	if b, ok := c.p.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, chunkSize)
	return &b
}

func (c *chunkPool) put(b *[]byte) { c.p.Put(b) }

// copyMessage streams r through lw in chunks of buf, checking ctx between
// them.
func copyMessage(ctx context.Context, lw *lineWriter, r io.Reader, buf []byte) error {
	for !lw.done {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := r.Read(buf)
		if n > 0 {
			if _, werr := lw.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	return lw.Close()
}

// sentSize computes the size as sent of a stored message by reading it
// once, in chunks of buf, through a lineWriter that writes nowhere.
func sentSize(ctx context.Context, r io.Reader, buf []byte) (int64, error) {
	lw := lineWriter{w: io.Discard}
	if err := copyMessage(ctx, &lw, r, buf); err != nil {
		return 0, err
	}
	return lw.n, nil
}

// defaultSizeCacheEntries bounds the size cache: about 40 bytes an entry.
const defaultSizeCacheEntries = 1 << 18

// sizeCache remembers the size as sent of message bodies, by GUID: a body
// never changes, so an entry never goes stale, and a maildrop read again
// in the next session is not read twice. When full it starts over, which
// costs a re-read, never a wrong answer.
type sizeCache struct {
	mu  sync.Mutex
	max int
	m   map[store.GUID]int64
}

func newSizeCache(max int) *sizeCache {
	return &sizeCache{max: max, m: make(map[store.GUID]int64)}
}

func (c *sizeCache) get(g store.GUID) (int64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.m[g]
	return n, ok
}

func (c *sizeCache) put(g store.GUID, n int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[g] = n
}
