package message

import (
	"bufio"
	"fmt"
	"io"
	"mime/quotedprintable"
	"strings"

	gomessage "github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"
)

// Attachment is one attachment of a message as LargestAttachment sees it.
type Attachment struct {
	// Filename is the file name the sender gave, "" when none.
	Filename string
	// ContentType is the lower-case media type ("application/pdf").
	ContentType string
	// Size is the decoded size in bytes: what the recipient saves, not
	// the base64 on the wire.
	Size int64
}

// LargestAttachment reads a message from r and returns its largest
// attachment, ok false when it has none. An attachment is a leaf part with
// Content-Disposition "attachment" or a file name (disposition filename=
// or Content-Type name=); inline text without a name is the message
// itself, whatever its size. Attachments inside attached messages
// (message/rfc822) count too.
//
// It streams: nothing but one header block at a time is held, so a
// message of any size costs a bounded amount of memory. The same limits
// as Summarize apply to hostile MIME: nesting deeper than 64 levels and
// parts past 10000 are read as opaque bytes, not descended into. It fails
// only on a read error from r (or a recovered panic, a bug).
func LargestAttachment(r io.Reader) (largest Attachment, ok bool, err error) {
	defer func() {
		if v := recover(); v != nil {
			largest, ok, err = Attachment{}, false, fmt.Errorf("%w: %v", errPanic, v)
		}
	}()
	src := &sourceReader{r: r}
	br := bufio.NewReader(src)
	h, _ := readHeader(br)
	w := &attachmentWalker{}
	w.part(h, br, "", 0)
	if src.err != nil {
		return Attachment{}, false, fmt.Errorf("message: read: %w", src.err)
	}
	return w.largest, w.found, nil
}

// attachmentWalker visits parts depth first and keeps the largest
// attachment.
type attachmentWalker struct {
	parts   int
	largest Attachment
	found   bool
}

// part visits the part with header h and raw body r, reading r to its
// end.
func (w *attachmentWalker) part(h textproto.Header, r io.Reader, parent string, depth int) {
	w.parts++
	mh := gomessage.Header{Header: h}
	typ, sub, params := contentType(mh, parent)
	isMsg := typ == "message" && (sub == "rfc822" || sub == "global")
	deeper := depth < maxDepth && w.parts < maxParts
	switch {
	case typ == "multipart" && deeper:
		mr := textproto.NewMultipartReader(r, params["boundary"])
		for w.parts < maxParts {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			w.part(p.Header, p, sub, depth+1)
		}
		// Whatever follows the last part read (the epilogue, parts past
		// the limit) is still read, so that a read error is seen.
		_, _ = io.Copy(io.Discard, r)
		return
	case isMsg && deeper && !isAttachment(mh, params):
		br := bufio.NewReader(r)
		ch, _ := readHeader(br)
		w.part(ch, br, "", depth+1)
		_, _ = io.Copy(io.Discard, br)
		return
	}
	if typ == "multipart" || !isAttachment(mh, params) {
		_, _ = io.Copy(io.Discard, r)
		return
	}
	size := decodedSize(mh.Get("Content-Transfer-Encoding"), r)
	if !w.found || size > w.largest.Size {
		w.largest = Attachment{Filename: filename(mh, params), ContentType: typ + "/" + sub, Size: size}
		w.found = true
	}
}

// isAttachment reports whether a leaf part is an attachment: disposition
// "attachment", or a file name in either header.
func isAttachment(h gomessage.Header, params map[string]string) bool {
	if d := disposition(h); d != nil {
		if strings.EqualFold(d.Value, "attachment") {
			return true
		}
		if d.Params["filename"] != "" {
			return true
		}
	}
	return params["name"] != ""
}

func filename(h gomessage.Header, params map[string]string) string {
	if d := disposition(h); d != nil && d.Params["filename"] != "" {
		return d.Params["filename"]
	}
	return params["name"]
}

// decodedSize reads r to its end and returns the size of its content once
// the transfer encoding is undone. Base64 counts its alphabet (4 characters
// are 3 bytes; junk is skipped, as decoders do); quoted-printable is
// decoded, and from the first malformed sequence on the bytes count as
// they are.
func decodedSize(encoding string, r io.Reader) int64 {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "base64":
		var n int64
		buf := make([]byte, 32*1024)
		for {
			k, err := r.Read(buf)
			for _, c := range buf[:k] {
				if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' {
					n++
				}
			}
			if err != nil {
				return n * 3 / 4
			}
		}
	case "quoted-printable":
		n, err := io.Copy(io.Discard, quotedprintable.NewReader(r))
		if err != nil {
			// Count what is left raw: the decoder stopped at the fault.
			rest, _ := io.Copy(io.Discard, r)
			return n + rest
		}
		return n
	}
	n, _ := io.Copy(io.Discard, r)
	return n
}
