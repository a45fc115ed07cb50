package message

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

// mixed returns a multipart/mixed message with a text body and the given
// parts (each a header block, a blank line and a body).
func mixed(parts ...string) string {
	var b strings.Builder
	b.WriteString("From: a@example.org\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\npreamble\r\n")
	b.WriteString("--B\r\nContent-Type: text/plain\r\n\r\n" + strings.Repeat("body text\r\n", 500) + "\r\n")
	for _, p := range parts {
		b.WriteString("--B\r\n" + p + "\r\n")
	}
	b.WriteString("--B--\r\n")
	return b.String()
}

func b64(n int) string {
	enc := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xa5}, n))
	var b strings.Builder
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.String()
}

func TestLargestAttachment(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		msg    string
		ok     bool
		want   Attachment
		approx bool // Size within 2 bytes (base64 padding)
	}{
		{"plain text only", "Subject: x\r\n\r\n" + strings.Repeat("long body\r\n", 10000), false, Attachment{}, false},
		{"base64 attachment decoded size", mixed("Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"r.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(3000)),
			true, Attachment{Filename: "r.pdf", ContentType: "application/pdf", Size: 3000}, true},
		{"largest of two", mixed(
			"Content-Type: image/png; name=a.png\r\nContent-Transfer-Encoding: base64\r\n\r\n"+b64(100),
			"Content-Type: application/zip\r\nContent-Disposition: attachment; filename=b.zip\r\nContent-Transfer-Encoding: base64\r\n\r\n"+b64(5000)),
			true, Attachment{Filename: "b.zip", ContentType: "application/zip", Size: 5000}, true},
		{"inline text not an attachment", mixed("Content-Type: text/html\r\n\r\n" + strings.Repeat("<p>x</p>\r\n", 1000)), false, Attachment{}, false},
		{"attachment without name", mixed("Content-Type: text/csv\r\nContent-Disposition: attachment\r\n\r\na,b\r\n1,2"),
			true, Attachment{ContentType: "text/csv", Size: 8}, false},
		{"quoted-printable", mixed("Content-Type: text/plain; name=q.txt\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=41=42=43 d"),
			true, Attachment{Filename: "q.txt", ContentType: "text/plain", Size: 5}, false},
		{"nested in attached message", mixed("Content-Type: message/rfc822\r\n\r\n" + "Subject: inner\r\nContent-Type: multipart/mixed; boundary=I\r\n\r\n--I\r\nContent-Type: application/octet-stream; name=in.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(2000) + "--I--\r\n"),
			true, Attachment{Filename: "in.bin", ContentType: "application/octet-stream", Size: 2000}, true},
		{"attached message as a file", mixed("Content-Type: message/rfc822\r\nContent-Disposition: attachment; filename=fwd.eml\r\n\r\nSubject: inner\r\n\r\n" + strings.Repeat("x", 700)),
			true, Attachment{Filename: "fwd.eml", ContentType: "message/rfc822", Size: 718}, false},
		{"single-part attachment", "Content-Type: application/pdf; name=x.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(999),
			true, Attachment{Filename: "x.pdf", ContentType: "application/pdf", Size: 999}, true},
		{"no boundary", "Content-Type: multipart/mixed\r\n\r\n--B\r\nContent-Type: a/b; name=x\r\n\r\nxxxx\r\n--B--\r\n", false, Attachment{}, false},
	} {
		got, ok, err := LargestAttachment(strings.NewReader(tc.msg))
		if err != nil {
			t.Errorf("%s: LargestAttachment error = %v", tc.name, err)
			continue
		}
		if ok != tc.ok {
			t.Errorf("%s: ok = %v, want %v (%+v)", tc.name, ok, tc.ok, got)
			continue
		}
		size := got.Size
		if tc.approx && size >= tc.want.Size-2 && size <= tc.want.Size {
			size = tc.want.Size
		}
		got.Size = size
		if got != tc.want {
			t.Errorf("%s: LargestAttachment = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// Hostile nesting is cut at maxDepth and maxParts without deep recursion
// or unbounded work.
func TestLargestAttachmentHostile(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := 0; i < 5000; i++ {
		b.WriteString("Content-Type: multipart/mixed; boundary=b" + strconv.Itoa(i) + "\r\n\r\n--b" + strconv.Itoa(i) + "\r\n")
	}
	b.WriteString("Content-Type: application/x; name=deep\r\n\r\nzzzz\r\n")
	if _, ok, err := LargestAttachment(strings.NewReader(b.String())); err != nil || ok {
		t.Errorf("deep nesting: ok, err = %v, %v; want false, nil (cut at depth %d)", ok, err, maxDepth)
	}
	var m strings.Builder
	m.WriteString("Content-Type: multipart/mixed; boundary=B\r\n\r\n")
	for i := 0; i < maxParts+500; i++ {
		m.WriteString("--B\r\nContent-Type: a/b; name=f\r\n\r\nx\r\n")
	}
	m.WriteString("--B--\r\n")
	if got, ok, err := LargestAttachment(strings.NewReader(m.String())); err != nil || !ok || got.Size != 1 {
		t.Errorf("many parts: %+v, %v, %v", got, ok, err)
	}
}

func TestLargestAttachmentReadError(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	r := io.MultiReader(strings.NewReader(mixed("Content-Type: a/b; name=x\r\n\r\nxx")[:300]), iotest.ErrReader(boom))
	if _, _, err := LargestAttachment(r); !errors.Is(err, boom) {
		t.Errorf("err = %v, want %v", err, boom)
	}
}

func FuzzLargestAttachment(f *testing.F) {
	f.Add([]byte(mixed("Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"r.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(30))))
	f.Add([]byte(mixed("Content-Type: message/rfc822\r\n\r\nContent-Type: multipart/mixed; boundary=I\r\n\r\n--I\r\nContent-Type: a/b; name=x\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=4=\r\n--I--\r\n")))
	f.Add([]byte("Content-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\nContent-Type: a/b; name=y\r\n\r\nq\r\n--d--\r\n"))
	f.Add([]byte("Content-Type: text/plain; name=\"=?utf-8?q?h=C3=A9?=\"\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!AAAA====\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok, err := LargestAttachment(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("LargestAttachment error = %v", err)
		}
		if !ok && got != (Attachment{}) {
			t.Fatalf("no attachment but %+v", got)
		}
		if got.Size < 0 || got.Size > int64(len(b)) {
			t.Fatalf("Size = %d for a %d-byte message", got.Size, len(b))
		}
	})
}
