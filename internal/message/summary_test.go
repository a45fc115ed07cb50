package message

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-message/textproto"
)

// crlf turns the LF line ends of a test message into CRLF.
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

const plainText = `From: Alice <alice@example.org>
To: Bob <bob@example.com>, carol@example.net
Subject: Hello
Date: Mon, 02 Jan 2006 15:04:05 -0700
Message-ID: <1@example.org>
In-Reply-To: <0@example.org> <00@example.org>

Hi Bob,
how are you?
`

const withAttachment = `From: alice@example.org
To: bob@example.com
Subject: Report
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="XyZ"

This is a multi-part message in MIME format.
--XyZ
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

See the report attached.
--XyZ
Content-Type: application/pdf; name="report.pdf"
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="report.pdf"
Content-ID: <part2@example.org>
Content-Description: The report
Content-Language: en, fr
Content-Location: http://example.org/report.pdf

JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFI+PgpzdHJlYW0K
--XyZ--
`

const nestedMessage = `From: alice@example.org
Subject: Fwd: Lunch
Content-Type: multipart/mixed; boundary=outer

--outer
Content-Type: text/plain

Forwarded below.
--outer
Content-Type: message/rfc822

From: Bob <bob@example.com>
Subject: Lunch
Date: Tue, 03 Jan 2006 12:00:00 +0530
Content-Type: multipart/alternative; boundary=inner

--inner
Content-Type: text/plain

Noon?
--inner
Content-Type: text/html

<p>Noon?</p>
--inner--
--outer--
`

const encodedSubject = `From: =?ISO-8859-1?Q?Andr=E9?= <andre@example.org>
Subject: =?UTF-8?B?w6ljb2xl?= et =?KOI8-R?B?8NLJ18XU?=

body
`

const digest = `Subject: Digest
Content-Type: multipart/digest; boundary=d

--d

Subject: First

one
--d
Content-Type: text/plain

not a message
--d--
`

type summarizeCase struct {
	name       string
	msg        string
	shape      string // want shape(BodyStructure), unless empty
	headerSize int64  // want HeaderSize, unless -1
	// sameAsGoIMAP: the message is well-formed, so the result must equal
	// what imapserver's own helpers return.
	sameAsGoIMAP bool
	check        func(t *testing.T, s *Summary)
}

func summarizeCases() []summarizeCase {
	return []summarizeCase{
		{
			name: "plain text", msg: crlf(plainText), shape: "text/plain",
			headerSize: int64(len(crlf(plainText)) - len("Hi Bob,\r\nhow are you?\r\n")), sameAsGoIMAP: true,
			check: func(t *testing.T, s *Summary) {
				want := &imap.Envelope{
					Date:      time.Date(2006, 1, 2, 15, 4, 5, 0, time.FixedZone("", -7*3600)),
					Subject:   "Hello",
					From:      []imap.Address{{Name: "Alice", Mailbox: "alice", Host: "example.org"}},
					To:        []imap.Address{{Name: "Bob", Mailbox: "bob", Host: "example.com"}, {Mailbox: "carol", Host: "example.net"}},
					InReplyTo: []string{"0@example.org", "00@example.org"},
					MessageID: "1@example.org",
				}
				if !reflect.DeepEqual(s.Envelope, want) {
					t.Errorf("Envelope = %+v, want %+v", s.Envelope, want)
				}
				bs := s.BodyStructure.(*imap.BodyStructureSinglePart)
				if bs.Size != 23 || bs.Text == nil || bs.Text.NumLines != 2 {
					t.Errorf("Size, Text = %d, %+v, want 23, 2 lines", bs.Size, bs.Text)
				}
			},
		},
		{
			name: "multipart/mixed with attachment", msg: crlf(withAttachment),
			shape: "multipart/mixed(text/plain,application/pdf)", headerSize: -1, sameAsGoIMAP: true,
			check: func(t *testing.T, s *Summary) {
				pdf := s.BodyStructure.(*imap.BodyStructureMultiPart).Children[1].(*imap.BodyStructureSinglePart)
				want := &imap.BodyStructureSinglePart{
					Type: "application", Subtype: "pdf", Params: map[string]string{"name": "report.pdf"},
					ID: "<part2@example.org>", Description: "The report", Encoding: "base64", Size: 64,
					Extended: &imap.BodyStructureSinglePartExt{
						Disposition: &imap.BodyStructureDisposition{Value: "attachment", Params: map[string]string{"filename": "report.pdf"}},
						Language:    []string{"en", "fr"},
						Location:    "http://example.org/report.pdf",
					},
				}
				if !reflect.DeepEqual(pdf, want) {
					t.Errorf("attachment = %+v, want %+v", pdf, want)
				}
			},
		},
		{
			name: "nested message/rfc822", msg: crlf(nestedMessage), headerSize: -1, sameAsGoIMAP: true,
			shape: "multipart/mixed(text/plain,message/rfc822[multipart/alternative(text/plain,text/html)])",
			check: func(t *testing.T, s *Summary) {
				m := s.BodyStructure.(*imap.BodyStructureMultiPart).Children[1].(*imap.BodyStructureSinglePart).MessageRFC822
				if m.Envelope.Subject != "Lunch" || m.NumLines != 13 {
					t.Errorf("nested Subject, NumLines = %q, %d, want Lunch, 13", m.Envelope.Subject, m.NumLines)
				}
				if _, off := m.Envelope.Date.Zone(); off != 5*3600+1800 {
					t.Errorf("nested Date offset = %d, want +0530", off)
				}
			},
		},
		{
			name: "encoded-word subject", msg: crlf(encodedSubject), shape: "text/plain", headerSize: -1, sameAsGoIMAP: true,
			check: func(t *testing.T, s *Summary) {
				if got, want := s.Envelope.Subject, "école et Привет"; got != want {
					t.Errorf("Subject = %q, want %q", got, want)
				}
				if got := s.Envelope.From[0].Name; got != "André" {
					t.Errorf("From name = %q, want André", got)
				}
			},
		},
		{
			name: "multipart/digest defaults to message/rfc822", msg: crlf(digest), headerSize: -1,
			shape: "multipart/digest(message/rfc822[text/plain],text/plain)",
		},
		{name: "empty message", msg: "", shape: "text/plain", headerSize: 0, sameAsGoIMAP: true},
		{name: "missing header", msg: "\r\nbody\r\n", shape: "text/plain", headerSize: 2, sameAsGoIMAP: true},
		{name: "header without body", msg: "Subject: x\r\nTo: a@b", shape: "text/plain", headerSize: 19, sameAsGoIMAP: true},
		{name: "LF line ends", msg: plainText, shape: "text/plain", headerSize: int64(len(plainText) - 21), sameAsGoIMAP: true},
		{
			name: "malformed header lines", shape: "text/plain", headerSize: 137,
			msg: crlf(" stray continuation\nFrom alice@example.org Mon Jan  2 15:04:05 2006\nbad key: x\n  bad continuation\nSubject: still\n here\nno colon\n\nbody\n"),
			check: func(t *testing.T, s *Summary) {
				if s.Envelope.Subject != "still here" {
					t.Errorf("Subject = %q, want %q", s.Envelope.Subject, "still here")
				}
			},
		},
		{name: "invalid content type", msg: "Content-Type: text\r\n\r\nx", shape: "text/plain", headerSize: -1},
		{
			name: "broken content type parameters", msg: "Content-Type: text/html; charset=\"utf-8\r\n\r\nx", shape: "text/html", headerSize: -1,
			check: func(t *testing.T, s *Summary) {
				if p := s.BodyStructure.(*imap.BodyStructureSinglePart).Params; p != nil {
					t.Errorf("Params = %v, want nil", p)
				}
			},
		},
		{name: "multipart without boundary", msg: "Content-Type: multipart/mixed\r\n\r\nx\r\n", shape: "multipart/mixed(text/plain)", headerSize: -1},
		{name: "multipart without parts", msg: "Content-Type: multipart/mixed; boundary=b\r\n\r\nx\r\n--b--\r\n", shape: "multipart/mixed(text/plain)", headerSize: -1},
		{name: "huge boundary", msg: "Content-Type: multipart/mixed; boundary=" + strings.Repeat("b", 5000) + "\r\n\r\n--" + strings.Repeat("b", 5000) + "\r\n\r\nx\r\n", shape: "multipart/mixed(text/plain)", headerSize: -1},
		{
			name: "deep multipart nesting", msg: nestedMultipart(200), headerSize: -1,
			check: func(t *testing.T, s *Summary) {
				if depth, _ := treeStats(s.BodyStructure); depth != maxDepth {
					t.Errorf("depth = %d, want %d", depth, maxDepth)
				}
			},
		},
		{
			name: "deep message/rfc822 nesting", msg: strings.Repeat("Content-Type: message/rfc822\r\n\r\n", 200) + "x", headerSize: 32,
			check: func(t *testing.T, s *Summary) {
				if depth, _ := treeStats(s.BodyStructure); depth != maxDepth {
					t.Errorf("depth = %d, want %d", depth, maxDepth)
				}
			},
		},
		{
			name: "too many parts", msg: manyParts(maxParts + 100), headerSize: -1,
			check: func(t *testing.T, s *Summary) {
				if _, nodes := treeStats(s.BodyStructure); nodes != maxParts {
					t.Errorf("parts = %d, want %d", nodes, maxParts)
				}
			},
		},
	}
}

// nestedMultipart returns a message with depth nested multiparts, each with
// its own boundary.
func nestedMultipart(depth int) string {
	var b strings.Builder
	for i := range depth {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n", i, i)
	}
	b.WriteString("\r\nleaf\r\n")
	return b.String()
}

func manyParts(n int) string {
	return "Content-Type: multipart/mixed; boundary=b\r\n\r\n" + strings.Repeat("--b\r\n\r\nx\r\n", n) + "--b--\r\n"
}

// shape renders a body structure compactly, e.g. "multipart/mixed(text/plain)".
func shape(bs imap.BodyStructure) string {
	switch bs := bs.(type) {
	case *imap.BodyStructureMultiPart:
		l := make([]string, len(bs.Children))
		for i, c := range bs.Children {
			l[i] = shape(c)
		}
		return bs.MediaType() + "(" + strings.Join(l, ",") + ")"
	case *imap.BodyStructureSinglePart:
		if bs.MessageRFC822 != nil {
			return bs.MediaType() + "[" + shape(bs.MessageRFC822.BodyStructure) + "]"
		}
		return bs.MediaType()
	}
	return fmt.Sprintf("%T", bs)
}

// treeStats returns the depth of the deepest node (the root is 0) and the
// number of nodes.
func treeStats(bs imap.BodyStructure) (depth, nodes int) {
	var children []imap.BodyStructure
	switch bs := bs.(type) {
	case *imap.BodyStructureMultiPart:
		children = bs.Children
	case *imap.BodyStructureSinglePart:
		if bs.MessageRFC822 != nil {
			children = []imap.BodyStructure{bs.MessageRFC822.BodyStructure}
		}
	}
	nodes = 1
	for _, c := range children {
		d, n := treeStats(c)
		depth, nodes = max(depth, d+1), nodes+n
	}
	return depth, nodes
}

func TestSummarize(t *testing.T) {
	for _, tc := range summarizeCases() {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Summarize(strings.NewReader(tc.msg))
			if err != nil {
				t.Fatalf("Summarize() error = %v", err)
			}
			if tc.shape != "" {
				if got := shape(s.BodyStructure); got != tc.shape {
					t.Errorf("shape = %s, want %s", got, tc.shape)
				}
			}
			if tc.headerSize >= 0 && s.HeaderSize != tc.headerSize {
				t.Errorf("HeaderSize = %d, want %d", s.HeaderSize, tc.headerSize)
			}
			if tc.check != nil {
				tc.check(t, s)
			}
			if tc.sameAsGoIMAP {
				compareWithGoIMAP(t, tc.msg, s)
			}
		})
	}
}

// compareWithGoIMAP checks s against imapserver's helpers, which Summarize
// must match on well-formed messages.
func compareWithGoIMAP(t *testing.T, msg string, s *Summary) {
	t.Helper()
	if want := imapserver.ExtractBodyStructure(strings.NewReader(msg)); !reflect.DeepEqual(s.BodyStructure, want) {
		t.Errorf("BodyStructure = %s, imapserver says %s", shape(s.BodyStructure), shape(want))
	}
	h, _ := textproto.ReadHeader(bufio.NewReader(strings.NewReader(msg)))
	want := imapserver.ExtractEnvelope(h)
	got := *s.Envelope
	if !got.Date.Equal(want.Date) {
		t.Errorf("Date = %v, imapserver says %v", got.Date, want.Date)
	}
	got.Date = want.Date
	if !reflect.DeepEqual(&got, want) {
		t.Errorf("Envelope = %+v, imapserver says %+v", &got, want)
	}
}

func TestSummarizeReadError(t *testing.T) {
	r := iotest.TimeoutReader(strings.NewReader(strings.Repeat("Subject: x\r\n", 1000)))
	if s, err := Summarize(r); err == nil || errors.Is(err, errPanic) {
		t.Errorf("Summarize(failing reader) = %v, %v, want a read error", s, err)
	}
}

func FuzzSummarize(f *testing.F) {
	for _, tc := range summarizeCases() {
		if len(tc.msg) < 4096 {
			f.Add([]byte(tc.msg))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Summarize(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("Summarize() error = %v", err)
		}
		if s.HeaderSize < 0 || s.HeaderSize > int64(len(b)) {
			t.Fatalf("HeaderSize = %d, message is %d bytes", s.HeaderSize, len(b))
		}
		if depth, nodes := treeStats(s.BodyStructure); depth > maxDepth || nodes > maxParts {
			t.Fatalf("depth, parts = %d, %d, over the limits", depth, nodes)
		}
		enc, err := s.MarshalBinary()
		if err != nil {
			t.Fatalf("MarshalBinary() error = %v", err)
		}
		got, err := UnmarshalSummary(enc)
		if err != nil {
			t.Fatalf("UnmarshalSummary() error = %v", err)
		}
		if !reflect.DeepEqual(got, s) {
			t.Fatalf("round trip = %+v, want %+v", got, s)
		}
	})
}

// benchMessage returns a typical 8 KiB message: text and HTML alternatives
// and a small attachment.
func benchMessage() []byte {
	line := "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.\r\n"
	var b bytes.Buffer
	b.WriteString(crlf(`From: "Alice Example" <alice@example.org>
To: Bob <bob@example.com>, Carol <carol@example.net>
Cc: team@example.org
Subject: =?UTF-8?Q?Quarterly_report_=E2=80=94_draft?=
Date: Mon, 02 Jan 2006 15:04:05 -0700
Message-ID: <20060102150405.1234@example.org>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="mixed"

--mixed
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

`))
	b.WriteString(strings.Repeat(line, 36))
	b.WriteString("--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n")
	b.WriteString(strings.Repeat("<p>"+line, 36))
	b.WriteString("--alt--\r\n--mixed\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n")
	b.WriteString("Content-Disposition: attachment; filename=\"chart.png\"\r\n\r\n")
	for b.Len() < 8192-len("--mixed--\r\n")-78 {
		b.WriteString(strings.Repeat("A", 76) + "\r\n")
	}
	b.WriteString("--mixed--\r\n")
	return b.Bytes()
}

func BenchmarkSummarize(b *testing.B) {
	msg := benchMessage()
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Summarize(bytes.NewReader(msg)); err != nil {
			b.Fatal(err)
		}
	}
}
