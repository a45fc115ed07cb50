package imapserver

import (
	"bufio"
	"errors"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/internal/imapwire"
)

func idDecoder(s string) *imapwire.Decoder {
	return imapwire.NewDecoder(bufio.NewReader(strings.NewReader(s+"\r\n")), imapwire.ConnSideServer)
}

func TestReadID(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want map[string]string // nil for NIL
		bad  bool
	}{
		{in: "NIL"},
		{in: "nil"},
		{in: "()", want: map[string]string{}},
		{in: `("name" "mutt" "VERSION" "2")`, want: map[string]string{"name": "mutt", "version": "2"}},
		{in: `("x-a" NIL)`, want: map[string]string{"x-a": ""}},
		{in: "(\"os\" {5}\r\nLinux)", want: map[string]string{"os": "Linux"}},
		{in: `("name")`, bad: true},
		{in: `(name "x")`, bad: true},
		{in: `("name" x)`, bad: true},
		{in: `"name"`, bad: true},
		{in: `NILS`, bad: true},
		{in: `("` + strings.Repeat("k", 31) + `" "v")`, bad: true},
		{in: `("k" "` + strings.Repeat("v", 1025) + `")`, bad: true},
		{in: "(" + strings.Repeat(`"k" "v" `, 30) + `"k31" "v")`, bad: true},
	} {
		got, err := readID(idDecoder(tc.in))
		if tc.bad {
			var decErr *imapwire.DecoderExpectError
			var imapErr *imap.Error
			if !errors.As(err, &decErr) && !(errors.As(err, &imapErr) && imapErr.Type == imap.StatusResponseTypeBad) {
				t.Errorf("readID(%q) = %+v, %v, want a BAD error", tc.in, got, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("readID(%q): %v", tc.in, err)
			continue
		}
		if (got == nil) != (tc.want == nil) {
			t.Errorf("readID(%q) = %+v, want fields %v", tc.in, got, tc.want)
			continue
		}
		if got == nil {
			continue
		}
		if len(got.Raw) != len(tc.want) {
			t.Errorf("readID(%q).Raw = %v, want %v", tc.in, got.Raw, tc.want)
		}
		for k, v := range tc.want {
			if got.Raw[k] != v {
				t.Errorf("readID(%q).Raw[%q] = %q, want %q", tc.in, k, got.Raw[k], v)
			}
		}
		if got.Name != got.Raw["name"] || got.Version != got.Raw["version"] || got.OS != got.Raw["os"] {
			t.Errorf("readID(%q) = %+v: named fields differ from Raw", tc.in, got)
		}
	}
}

// FuzzReadID checks that readID never panics and never accepts more than
// RFC 2971 allows.
func FuzzReadID(f *testing.F) {
	for _, s := range []string{"NIL", "()", `("name" "mutt" "version" "2")`, `("a" NIL "b" "c")`, "(\"os\" {5}\r\nLinux)", `("name"`, `(("x"))`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		data, err := readID(idDecoder(s))
		if err != nil || data == nil {
			return
		}
		if len(data.Raw) > maxIDFields {
			t.Fatalf("readID(%q): %d fields", s, len(data.Raw))
		}
		for k, v := range data.Raw {
			if len(k) > maxIDFieldSize || len(v) > maxIDValueSize || k != strings.ToLower(k) {
				t.Fatalf("readID(%q) accepted field %q = %q", s, k, v)
			}
		}
	})
}
