package message

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	gomessage "github.com/emersion/go-message"
	// The charset package lets go-message decode encoded words in legacy
	// charsets (ISO-2022-JP, KOI8-R, windows-1252, ...). Summaries are cached
	// for the life of a message, so their text must not depend on whether
	// some other package of the binary happened to import it.
	_ "github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/textproto"
)

const (
	// maxDepth bounds MIME nesting (multipart and message/rfc822 levels).
	// Containers deeper than that are described as application/octet-stream.
	maxDepth = 64
	// maxParts bounds the body structure nodes of one summary (Dovecot's
	// default too); parts past it are left out.
	maxParts = 10000
	// maxHeaderBytes bounds how much of one header block is parsed; the
	// rest still counts in HeaderSize.
	maxHeaderBytes = 1 << 20
)

// errPanic marks a recovered panic, so that tests and fuzzing can tell it
// from an ordinary read error.
var errPanic = errors.New("message: internal error")

// Summary is what the store caches per message: enough to answer FETCH
// ENVELOPE, BODY, BODYSTRUCTURE and RFC822.HEADER without reading the message.
type Summary struct {
	Envelope      *imap.Envelope
	BodyStructure imap.BodyStructure
	// HeaderSize is the size in bytes of the top-level header block,
	// including the empty line that ends it; the body starts there.
	HeaderSize int64
}

// Summarize reads a message from r and returns its summary.
//
// Malformed messages still get a summary: bad header lines are skipped, an
// invalid Content-Type means text/plain (RFC 2045 §5.2), and nesting deeper
// than 64 levels or more than 10000 parts are cut. It fails only on a read
// error from r, since a summary of part of a message must not be cached, or
// on a recovered panic, which is a bug.
func Summarize(r io.Reader) (s *Summary, err error) {
	// Last resort: a panic in this package or below must fail this message,
	// not the delivery that called us. The fuzz target fails on it.
	defer func() {
		if v := recover(); v != nil {
			s, err = nil, fmt.Errorf("%w: %v", errPanic, v)
		}
	}()
	src := &sourceReader{r: r}
	br := bufio.NewReader(src)
	h, n := readHeader(br)
	s = &Summary{Envelope: envelope(h), HeaderSize: n}
	w := &walker{}
	s.BodyStructure = w.part(h, br, "", 0)
	if src.err != nil {
		return nil, fmt.Errorf("message: read: %w", src.err)
	}
	return s, nil
}

// sourceReader remembers the first read error other than io.EOF, which the
// MIME readers above it would otherwise swallow.
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF && s.err == nil {
		s.err = err
	}
	return n, err
}

// lineCounter counts the bytes and line feeds read through it.
type lineCounter struct {
	r        io.Reader
	n, lines int64
}

func (c *lineCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.lines += int64(bytes.Count(p[:n], []byte{'\n'}))
	return n, err
}

// envelope extracts the envelope of header h. The date is moved to a fixed
// zone because time.Parse may pick time.Local, which the binary encoding
// cannot carry; ENVELOPE only shows the instant and the offset anyway.
func envelope(h textproto.Header) *imap.Envelope {
	env := imapserver.ExtractEnvelope(h)
	if !env.Date.IsZero() {
		_, off := env.Date.Zone()
		env.Date = env.Date.In(time.FixedZone("", off))
	}
	return env
}

// readHeader reads a header block from br: every line up to and including
// the first empty one, or to EOF. It returns the header and the block's
// size. go-message stops at the first malformed line, which would lose the
// whole header of, say, a message that starts with an mbox "From " line, so
// such lines are dropped before parsing.
func readHeader(br *bufio.Reader) (textproto.Header, int64) {
	var (
		block []byte
		n     int64
		full  bool
	)
	for {
		start, size := len(block), 0
		var (
			chunk []byte
			err   error
		)
		for {
			chunk, err = br.ReadSlice('\n')
			size += len(chunk)
			if !full && len(block)+len(chunk) <= maxHeaderBytes {
				block = append(block, chunk...)
			} else if !full {
				full, block = true, block[:start]
			}
			if err != bufio.ErrBufferFull {
				break
			}
		}
		n += int64(size)
		blank := size == len(chunk) && (string(chunk) == "\n" || string(chunk) == "\r\n")
		if blank {
			block = block[:start]
		}
		if blank || err != nil {
			break
		}
	}
	block = CleanHeader(block)
	// Size the buffer to the block: a multipart of many small message/rfc822
	// parts would otherwise allocate 4 KiB per header.
	h, _ := textproto.ReadHeader(bufio.NewReaderSize(bytes.NewReader(block), min(len(block), 4096)))
	return h, n
}

// CleanHeader returns block without the lines go-message would reject:
// lines without a colon, field names with invalid bytes (RFC 5322 §2.2),
// and continuation lines of a dropped field. With nothing to drop it
// returns block itself. imapd locates sections with it, so that a message
// with, say, a leading mbox "From " line gets the same Content-Type there
// as in its BODYSTRUCTURE.
func CleanHeader(block []byte) []byte {
	var out []byte // nil until a line is dropped
	kept := false  // whether the previous field was kept
	for rest, off := block, 0; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line = rest[:i+1]
		}
		rest = rest[len(line):]
		if line[0] != ' ' && line[0] != '\t' {
			kept = validField(line)
		}
		switch {
		case kept && out != nil:
			out = append(out, line...)
		case !kept && out == nil:
			out = append(make([]byte, 0, len(block)), block[:off]...)
		}
		off += len(line)
	}
	if out == nil {
		return block
	}
	return out
}

func validField(line []byte) bool {
	i := bytes.IndexByte(line, ':')
	if i < 0 {
		return false
	}
	for _, c := range bytes.Trim(line[:i], " \t") {
		if c < 33 || c > 126 {
			return false
		}
	}
	return true
}

// walker builds body structures and counts the parts described so far.
type walker struct {
	parts int
}

// part describes the part with header h and raw body r at depth; parent is
// the subtype of the enclosing multipart, if any. It reads r to its end.
// It mirrors imapserver.ExtractBodyStructure, which has neither a depth nor
// a part limit and holds every nested message/rfc822 body in memory at once.
func (w *walker) part(h textproto.Header, r io.Reader, parent string, depth int) imap.BodyStructure {
	w.parts++
	mh := gomessage.Header{Header: h}
	typ, sub, params := contentType(mh, parent)
	isMsg := typ == "message" && (sub == "rfc822" || sub == "global")
	// A container needs room for at least one child: go-imap cannot write
	// a multipart without children or a message/rfc822 without a body.
	if (typ == "multipart" || isMsg) && (depth >= maxDepth || w.parts >= maxParts) {
		typ, sub, params, isMsg = "application", "octet-stream", nil, false
	}
	if typ == "multipart" {
		return w.multipart(mh, r, sub, params, depth)
	}
	bs := &imap.BodyStructureSinglePart{
		Type:        typ,
		Subtype:     sub,
		Params:      params,
		ID:          mh.Get("Content-Id"),
		Description: mh.Get("Content-Description"),
		Encoding:    mh.Get("Content-Transfer-Encoding"),
		Extended: &imap.BodyStructureSinglePartExt{
			Disposition: disposition(mh),
			Language:    language(mh),
			Location:    mh.Get("Content-Location"),
		},
	}
	c := &lineCounter{r: r}
	var body io.Reader = c
	if isMsg {
		br := bufio.NewReader(c)
		ch, _ := readHeader(br)
		bs.MessageRFC822 = &imap.BodyStructureMessageRFC822{
			Envelope:      envelope(ch),
			BodyStructure: w.part(ch, br, "", depth+1),
		}
		body = br
	}
	// Read errors are the source's, and sourceReader keeps them.
	_, _ = io.Copy(io.Discard, body)
	bs.Size = uint32(min(c.n, math.MaxUint32))
	if isMsg {
		bs.MessageRFC822.NumLines = c.lines
	}
	if typ == "text" {
		bs.Text = &imap.BodyStructureText{NumLines: c.lines}
	}
	return bs
}

func (w *walker) multipart(h gomessage.Header, r io.Reader, sub string, params map[string]string, depth int) imap.BodyStructure {
	bs := &imap.BodyStructureMultiPart{
		Subtype: sub,
		Extended: &imap.BodyStructureMultiPartExt{
			Params:      params,
			Disposition: disposition(h),
			Language:    language(h),
			Location:    h.Get("Content-Location"),
		},
	}
	mr := textproto.NewMultipartReader(r, params["boundary"])
	for w.parts < maxParts {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		bs.Children = append(bs.Children, w.part(p.Header, p, sub, depth+1))
	}
	if len(bs.Children) == 0 {
		// No boundary found: like Dovecot, describe one empty text part.
		w.parts++
		bs.Children = []imap.BodyStructure{&imap.BodyStructureSinglePart{
			Type:     "text",
			Subtype:  "plain",
			Params:   map[string]string{"charset": "us-ascii"},
			Encoding: "7bit",
			Text:     &imap.BodyStructureText{},
			Extended: &imap.BodyStructureSinglePartExt{},
		}}
	}
	return bs
}

// contentType returns the lower-case media type and parameters of a part.
// Without a Content-Type, a part is text/plain, or message/rfc822 inside a
// multipart/digest (RFC 2046 §5.1.5). An invalid one means text/plain (RFC
// 2045 §5.2), but a valid type keeps its meaning when only its parameters
// are broken.
func contentType(h gomessage.Header, parent string) (typ, sub string, params map[string]string) {
	v := h.Get("Content-Type")
	if v == "" {
		if parent == "digest" {
			return "message", "rfc822", nil
		}
		return "text", "plain", nil
	}
	mt, params, err := h.ContentType()
	if err != nil {
		mt, params = "text/plain", nil
		if t, _, err := mime.ParseMediaType(v); errors.Is(err, mime.ErrInvalidMediaParameter) {
			mt = t
		}
	}
	typ, sub, _ = strings.Cut(mt, "/")
	if typ == "" || sub == "" {
		return "text", "plain", nil
	}
	return typ, sub, params
}

// disposition parses Content-Disposition (RFC 2183), keeping the value when
// only the parameters are broken.
func disposition(h gomessage.Header) *imap.BodyStructureDisposition {
	v := h.Get("Content-Disposition")
	if v == "" {
		return nil
	}
	disp, params, err := h.ContentDisposition()
	if err != nil {
		d, _, err := mime.ParseMediaType(v)
		if !errors.Is(err, mime.ErrInvalidMediaParameter) {
			return nil
		}
		disp, params = d, nil
	}
	if disp == "" {
		return nil
	}
	return &imap.BodyStructureDisposition{Value: disp, Params: params}
}

// language parses Content-Language (RFC 3282) as imapserver does.
func language(h gomessage.Header) []string {
	v := h.Get("Content-Language")
	if v == "" {
		return nil
	}
	l := strings.Split(v, ",")
	for i, lang := range l {
		l[i] = strings.TrimSpace(lang)
	}
	return l
}
