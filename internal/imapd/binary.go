package imapd

import (
	"encoding/base64"
	"io"
	"mime/quotedprintable"

	"github.com/emersion/go-imap/v2"
)

// errUnknownCTE answers BINARY for a part whose transfer encoding cannot
// be undone (RFC 3516 §4.3).
var errUnknownCTE = &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeUnknownCTE, Text: "Unknown Content-Transfer-Encoding"}

// binarySource opens a BINARY section (RFC 3516, RFC 9051 §6.4.5): a part's
// body with its Content-Transfer-Encoding undone, or for [] the whole
// message with the top-level body decoded. It returns a function that
// streams it afresh each time, so that its size can be counted in one pass
// and the bytes written in another without holding them; ok is false for a
// part that does not exist (an empty section).
func binarySource(r io.ReaderAt, size int64, path []int) (open func() io.Reader, ok bool, err error) {
	e, _, found, err := locate(r, size, path)
	if err != nil || !found {
		return nil, false, err
	}
	if len(path) == 0 && e.multipart() {
		return func() io.Reader { return io.NewSectionReader(r, 0, size) }, true, nil
	}
	body := func() io.Reader { return io.NewSectionReader(r, e.bodyStart, e.end-e.bodyStart) }
	var decode func(io.Reader) io.Reader
	switch e.encoding {
	case "", "7bit", "8bit", "binary":
		decode = func(r io.Reader) io.Reader { return r }
	case "base64":
		// The decoder skips line breaks; other garbage ends the section.
		decode = func(r io.Reader) io.Reader { return base64.NewDecoder(base64.StdEncoding, r) }
	case "quoted-printable":
		decode = func(r io.Reader) io.Reader { return quotedprintable.NewReader(r) }
	default:
		return nil, false, errUnknownCTE
	}
	if e.multipart() || e.message() {
		decode = func(r io.Reader) io.Reader { return r } // not a leaf: as is
	}
	if len(path) == 0 {
		return func() io.Reader {
			return io.MultiReader(io.NewSectionReader(r, 0, e.bodyStart), stopAtError{decode(body())})
		}, true, nil
	}
	return func() io.Reader { return stopAtError{decode(body())} }, true, nil
}

// stopAtError turns a decoding error into the end of the section, so that
// both passes over a damaged part agree on its length.
type stopAtError struct{ r io.Reader }

func (s stopAtError) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		return n, io.EOF
	}
	return n, err
}

// binaryLen counts the decoded bytes of a section.
func binaryLen(open func() io.Reader) int64 {
	n, _ := io.Copy(io.Discard, open())
	return n
}
