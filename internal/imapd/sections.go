package imapd

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"mime"
	"slices"
	"strings"

	"github.com/axmail/axmail/internal/message"
	"github.com/emersion/go-imap/v2"
	gomessage "github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"
)

// Bounds on what locating a body section reads into memory: a header
// block is parsed up to maxHeaderParse bytes (the rest of a longer one is
// skipped, not held), and a part path may be at most maxPartDepth deep.
const (
	maxHeaderParse = 256 << 10
	maxPartDepth   = 64
	scanBuffer     = 32 << 10
)

// entity is one MIME entity of a message, as byte offsets into the
// message: its header is [start, bodyStart), its body [bodyStart, end).
type entity struct {
	start, bodyStart, end int64
	mediaType             string // lower case, "text/plain" by default
	boundary              string // of a multipart
	encoding              string // Content-Transfer-Encoding, lower case
}

func (e entity) multipart() bool { return strings.HasPrefix(e.mediaType, "multipart/") }

func (e entity) message() bool {
	return e.mediaType == "message/rfc822" || e.mediaType == "message/global"
}

// readEntity reads the header of the entity at [start, end) of r.
// defaultType is its media type when it has no Content-Type
// ("message/rfc822" inside multipart/digest, RFC 2046 §5.1.5).
func readEntity(r io.ReaderAt, start, end int64, defaultType string) (entity, error) {
	e := entity{start: start, bodyStart: end, end: end, mediaType: defaultType}
	br := bufio.NewReaderSize(io.NewSectionReader(r, start, end-start), scanBuffer)
	var hdr bytes.Buffer
	off := start
	atLineStart := true
	for {
		line, err := br.ReadSlice('\n')
		if atLineStart && (bytes.Equal(line, []byte("\r\n")) || bytes.Equal(line, []byte("\n"))) {
			e.bodyStart = off + int64(len(line))
			break
		}
		off += int64(len(line))
		if hdr.Len()+len(line) <= maxHeaderParse {
			hdr.Write(line)
		}
		atLineStart = len(line) > 0 && line[len(line)-1] == '\n'
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == io.EOF {
			break // no body: the whole entity is header
		}
		if err != nil {
			return e, err
		}
	}
	block := append(slices.Clip(message.CleanHeader(hdr.Bytes())), '\r', '\n')
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(block)))
	if err != nil {
		return e, nil // unparsable header: the default type
	}
	e.encoding = strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding")))
	if v := h.Get("Content-Type"); v != "" {
		// As internal/message reads it, so that parts are numbered and
		// sized as BODYSTRUCTURE says: an invalid type is text/plain
		// (RFC 2045 §5.2), a valid type with broken parameters stays.
		mh := gomessage.Header{Header: h}
		mt, params, err := mh.ContentType()
		if err != nil {
			mt, params = "text/plain", nil
			if t, _, err := mime.ParseMediaType(v); errors.Is(err, mime.ErrInvalidMediaParameter) {
				mt = t
			}
		}
		if typ, sub, _ := strings.Cut(mt, "/"); typ == "" || sub == "" {
			mt = "text/plain"
		}
		e.mediaType = strings.ToLower(mt)
		e.boundary = params["boundary"]
	}
	return e, nil
}

// inner returns the message encapsulated by a message/rfc822 entity, or
// the entity itself.
func inner(r io.ReaderAt, e entity) (entity, error) {
	if !e.message() {
		return e, nil
	}
	return readEntity(r, e.bodyStart, e.end, "text/plain")
}

// child returns the n-th (from 1) part of a multipart entity, ok false if
// it has fewer. A part ends before the line break that precedes the next
// delimiter line (RFC 2046 §5.1.1).
func child(r io.ReaderAt, e entity, n int) (start, end int64, ok bool, err error) {
	delim := []byte("--" + e.boundary)
	br := bufio.NewReaderSize(io.NewSectionReader(r, e.bodyStart, e.end-e.bodyStart), scanBuffer)
	off := e.bodyStart
	part, partStart := 0, int64(-1)
	contentEnd := int64(-1) // where the previous line's text ends, before its line break
	atLineStart := true
	for {
		line, rerr := br.ReadSlice('\n')
		lineStart := off
		off += int64(len(line))
		if atLineStart && bytes.HasPrefix(line, delim) {
			if closing, isDelim := delimiterLine(line[len(delim):]); isDelim {
				if part == n && partStart >= 0 {
					return partStart, max(contentEnd, partStart), true, nil
				}
				if closing {
					return 0, 0, false, nil
				}
				part++
				partStart = off
				atLineStart = true
				contentEnd = off
				if rerr == io.EOF {
					break
				}
				continue
			}
		}
		text := bytes.TrimSuffix(line, []byte("\n"))
		text = bytes.TrimSuffix(text, []byte("\r"))
		switch {
		case len(line) == 0:
		case line[len(line)-1] == '\n':
			contentEnd = lineStart + int64(len(text))
			atLineStart = true
		default:
			contentEnd = off
			atLineStart = false
		}
		if errors.Is(rerr, bufio.ErrBufferFull) {
			continue
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return 0, 0, false, rerr
		}
	}
	if part == n && partStart >= 0 {
		// The last part lacks its closing delimiter: it runs to the end,
		// less what could start one (go-message, and so BODYSTRUCTURE,
		// holds such bytes back).
		return partStart, trimDelimiterPrefix(r, partStart, e.end, delim), true, nil
	}
	return 0, 0, false, nil
}

// trimDelimiterPrefix returns end less the longest tail of [start, end)
// that is a proper beginning of "\r\n"+delim or "\n"+delim.
func trimDelimiterPrefix(r io.ReaderAt, start, end int64, delim []byte) int64 {
	n := min(end-start, int64(len(delim)+2))
	tail := make([]byte, n)
	if _, err := r.ReadAt(tail, end-n); err != nil && err != io.EOF {
		return end
	}
	for _, lead := range []string{"\r\n", "\n"} {
		full := append([]byte(lead), delim...)
		for k := min(len(tail), len(full)-1); k > 0; k-- {
			if bytes.Equal(tail[len(tail)-k:], full[:k]) {
				return end - int64(k)
			}
		}
	}
	return end
}

// delimiterLine reports whether what follows a "--boundary" at the start
// of a line makes it a delimiter line: "--" closes, transport padding
// (spaces, tabs) before the line break is allowed.
func delimiterLine(rest []byte) (closing, ok bool) {
	if bytes.HasPrefix(rest, []byte("--")) {
		return true, true
	}
	rest = bytes.TrimRight(rest, " \t\r\n")
	return false, len(rest) == 0
}

// locate finds the entity a part path names, following RFC 9051 §6.4.5:
// in a message/rfc822 part, numbers count the parts of the encapsulated
// message; in a non-multipart entity, part 1 is the entity itself.
func locate(r io.ReaderAt, size int64, path []int) (e, parent entity, ok bool, err error) {
	if len(path) > maxPartDepth {
		return e, parent, false, nil
	}
	e, err = readEntity(r, 0, size, "text/plain")
	if err != nil {
		return e, parent, false, err
	}
	if !e.multipart() && len(path) > 0 && path[0] == 1 {
		path = path[1:]
	}
	for _, n := range path {
		if e, err = inner(r, e); err != nil {
			return e, parent, false, err
		}
		if !e.multipart() {
			if n != 1 {
				return e, parent, false, nil
			}
			continue
		}
		start, end, found, err := child(r, e, n)
		if err != nil {
			return e, parent, false, err
		}
		if !found {
			if n != 1 {
				return e, parent, false, nil
			}
			// A multipart without parts (no boundary found) is one
			// empty text part, as internal/message describes it.
			start, end = e.end, e.end
		}
		def := "text/plain"
		if e.mediaType == "multipart/digest" {
			def = "message/rfc822"
		}
		parent = e
		if e, err = readEntity(r, start, end, def); err != nil {
			return e, parent, false, err
		}
	}
	return e, parent, true, nil
}

// segment is part of a section's bytes: a range of the message, or bytes
// made here (filtered header fields).
type segment struct {
	off, n int64
	data   []byte // when set, the segment is these bytes
}

// sectionPlan returns the segments that make up a body section, before
// the partial range is applied.
func sectionPlan(r io.ReaderAt, size int64, s *imap.FetchItemBodySection) ([]segment, error) {
	if len(s.Part) == 0 && s.Specifier == imap.PartSpecifierNone {
		return []segment{{off: 0, n: size}}, nil
	}
	e, _, ok, err := locate(r, size, s.Part)
	if err != nil || !ok {
		return nil, err
	}
	if len(s.Part) > 0 {
		switch s.Specifier {
		case imap.PartSpecifierNone:
			return []segment{{off: e.bodyStart, n: e.end - e.bodyStart}}, nil
		case imap.PartSpecifierMIME:
			return []segment{{off: e.start, n: e.bodyStart - e.start}}, nil
		}
		if e, err = inner(r, e); err != nil {
			return nil, err
		}
	}
	switch s.Specifier {
	case imap.PartSpecifierText:
		return []segment{{off: e.bodyStart, n: e.end - e.bodyStart}}, nil
	case imap.PartSpecifierHeader:
		if len(s.HeaderFields) == 0 && len(s.HeaderFieldsNot) == 0 {
			return []segment{{off: e.start, n: e.bodyStart - e.start}}, nil
		}
		n := min(e.bodyStart-e.start, maxHeaderParse)
		hdr := make([]byte, n)
		if _, err := r.ReadAt(hdr, e.start); err != nil && err != io.EOF {
			return nil, err
		}
		return []segment{{data: filterHeader(hdr, s.HeaderFields, s.HeaderFieldsNot)}}, nil
	}
	return nil, nil
}

// filterHeader keeps the fields of a raw header block named in keep (or
// not named in drop), byte for byte, and ends them with the empty line
// (RFC 9051 §6.4.5, HEADER.FIELDS).
func filterHeader(hdr []byte, keep, drop []string) []byte {
	want := func(name string) bool {
		if len(keep) > 0 {
			for _, k := range keep {
				if strings.EqualFold(k, name) {
					return true
				}
			}
			return false
		}
		for _, d := range drop {
			if strings.EqualFold(d, name) {
				return false
			}
		}
		return true
	}
	var out []byte
	keeping := false
	for len(hdr) > 0 {
		line := hdr
		if i := bytes.IndexByte(hdr, '\n'); i >= 0 {
			line = hdr[:i+1]
		}
		hdr = hdr[len(line):]
		if bytes.Equal(line, []byte("\r\n")) || bytes.Equal(line, []byte("\n")) {
			break
		}
		if line[0] != ' ' && line[0] != '\t' {
			name, _, found := bytes.Cut(line, []byte(":"))
			keeping = found && want(string(bytes.TrimRight(name, " \t")))
		}
		if keeping {
			out = append(out, line...)
		}
	}
	return append(out, '\r', '\n')
}

// applyPartial cuts segments to the <offset.size> range of a partial
// fetch and returns them with their total length.
func applyPartial(segs []segment, p *imap.SectionPartial) ([]segment, int64) {
	var total int64
	for _, s := range segs {
		total += s.len()
	}
	if p == nil {
		return segs, total
	}
	from := min(p.Offset, total)
	to := min(from+p.Size, total)
	if p.Size < 0 {
		to = total
	}
	var out []segment
	var pos int64
	for _, s := range segs {
		l := s.len()
		a, b := max(from-pos, 0), min(to-pos, l)
		if a < b {
			if s.data != nil {
				out = append(out, segment{data: s.data[a:b]})
			} else {
				out = append(out, segment{off: s.off + a, n: b - a})
			}
		}
		pos += l
	}
	return out, to - from
}

func (s segment) len() int64 {
	if s.data != nil {
		return int64(len(s.data))
	}
	return s.n
}
