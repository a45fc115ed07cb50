package imapd

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"

	"github.com/axmail/axmail/internal/message"
)

func TestFilterHeader(t *testing.T) {
	hdr := []byte("From: a@b\r\nSubject: one\r\n two\r\nX-Thing:\tv\r\nsubject: again\r\n\r\nbody")
	for _, tc := range []struct {
		name       string
		keep, drop []string
		want       string
	}{
		{"keep folded", []string{"SUBJECT"}, nil, "Subject: one\r\n two\r\nsubject: again\r\n\r\n"},
		{"keep none present", []string{"To"}, nil, "\r\n"},
		{"drop", nil, []string{"subject", "x-thing"}, "From: a@b\r\n\r\n"},
	} {
		if got := string(filterHeader(hdr, tc.keep, tc.drop)); got != tc.want {
			t.Errorf("%s: filterHeader = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestApplyPartial(t *testing.T) {
	segs := []segment{{off: 10, n: 5}, {data: []byte("abc")}, {off: 100, n: 4}}
	for _, tc := range []struct {
		off, size int64
		want      []segment
		total     int64
	}{
		{0, 100, segs, 12},
		{3, 4, []segment{{off: 13, n: 2}, {data: []byte("ab")}}, 4},
		{6, 3, []segment{{data: []byte("bc")}, {off: 100, n: 1}}, 3},
		{12, 5, nil, 0},
		{50, 5, nil, 0},
	} {
		got, total := applyPartial(segs, &imap.SectionPartial{Offset: tc.off, Size: tc.size})
		if total != tc.total || fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("applyPartial(<%d.%d>) = %v, %d; want %v, %d", tc.off, tc.size, got, total, tc.want, tc.total)
		}
	}
}

// TestPartSizesMatchBodyStructure checks that a part located here has the
// size the cached BODYSTRUCTURE (internal/message) gives it, also with
// bare LF line ends, padding after a boundary and a missing closing
// delimiter.
func TestPartSizesMatchBodyStructure(t *testing.T) {
	for name, raw := range map[string]string{
		"crlf":     multipartMsg,
		"lf":       strings.ReplaceAll(multipartMsg, "\r\n", "\n"),
		"padding":  strings.ReplaceAll(multipartMsg, "--inner\r\n", "--inner  \t\r\n"),
		"unclosed": "Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\none\r\n--x\r\n\r\ntwo, never closed\r\n",
		"digest":   "Content-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\nSubject: in digest\r\n\r\nbody\r\n--d--\r\n",
	} {
		sum, err := message.Summarize(strings.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: Summarize: %v", name, err)
		}
		r := bytes.NewReader([]byte(raw))
		sum.BodyStructure.Walk(func(path []int, part imap.BodyStructure) bool {
			sp, ok := part.(*imap.BodyStructureSinglePart)
			if !ok || len(path) == 0 {
				return true
			}
			segs, err := sectionPlan(r, int64(len(raw)), &imap.FetchItemBodySection{Part: path})
			if err != nil {
				t.Fatalf("%s: sectionPlan(%v): %v", name, path, err)
			}
			_, size := applyPartial(segs, nil)
			if size != int64(sp.Size) {
				t.Errorf("%s: part %v is %d bytes here, %d in BODYSTRUCTURE", name, path, size, sp.Size)
			}
			return true
		})
	}
}

// FuzzSectionPlan feeds arbitrary messages and part paths to the section
// locator: it must not panic, and every segment must lie in the message.
func FuzzSectionPlan(f *testing.F) {
	f.Add([]byte(multipartMsg), byte(2), byte(1), byte(0))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=a\n\n--a\n\nx\n--a--\n"), byte(1), byte(0), byte(1))
	f.Add([]byte("Subject: no body"), byte(1), byte(0), byte(2))
	f.Add([]byte("Content-Type: message/rfc822\r\n\r\nContent-Type: multipart/alternative; boundary=\"q\"\r\n\r\n--q\r\n\r\n--q--"), byte(1), byte(1), byte(3))
	f.Fuzz(func(t *testing.T, raw []byte, p1, p2, spec byte) {
		var path []int
		for _, p := range []byte{p1, p2} {
			if p == 0 {
				break
			}
			path = append(path, int(p%8))
		}
		specs := []imap.PartSpecifier{imap.PartSpecifierNone, imap.PartSpecifierHeader, imap.PartSpecifierText, imap.PartSpecifierMIME}
		item := &imap.FetchItemBodySection{Part: path, Specifier: specs[int(spec)%len(specs)]}
		if spec%5 == 4 {
			item.Specifier, item.HeaderFields = imap.PartSpecifierHeader, []string{"Subject"}
		}
		if item.Specifier == imap.PartSpecifierMIME && len(path) == 0 {
			return // not a valid section
		}
		segs, err := sectionPlan(bytes.NewReader(raw), int64(len(raw)), item)
		if err != nil {
			t.Fatalf("sectionPlan: %v", err)
		}
		for _, s := range segs {
			if s.data == nil && (s.off < 0 || s.n < 0 || s.off+s.n > int64(len(raw))) {
				t.Fatalf("segment %+v outside a message of %d bytes", s, len(raw))
			}
		}
	})
}

// FuzzLiteralSize feeds arbitrary reply bytes to the reply watcher's
// literal parser: it must not panic or go negative.
func FuzzLiteralSize(f *testing.F) {
	for _, s := range []string{"* 1 FETCH (BODY[] {12}\r\n", "a1 OK done\r\n", "{-1}\r\n", "~{5+}\r\n", "{99999999999999999999}\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if n, ok := literalSize(b); ok && n < 0 {
			t.Fatalf("literalSize(%q) = %d", b, n)
		}
	})
}
