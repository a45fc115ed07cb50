package imapserver

import (
	"strconv"
	"strings"
	"testing"
)

func TestLiteralHeader(t *testing.T) {
	for _, tc := range []struct {
		line    string
		size    int64
		nonSync bool
		ok      bool
	}{
		{"a SELECT {5000}", 5000, false, true},
		{"a SELECT {5000+}", 5000, true, true},
		{"a APPEND INBOX ~{12+}", 12, true, true},
		{"{0}", 0, false, true},
		{"a NOOP", 0, false, false},
		{"", 0, false, false},
		{"}", 0, false, false},
		{"{}", 0, false, false},
		{"{+}", 0, false, false},
		{"{12++}", 0, false, false},
		{"{-1}", 0, false, false},
		{"{1 2}", 0, false, false},
		{"{12+} trailing", 0, false, false},
		{"{99999999999999999999+}", 0, false, false},
		{"a {3} {4+}", 4, true, true},
	} {
		size, nonSync, ok := literalHeader(tc.line)
		if size != tc.size || nonSync != tc.nonSync || ok != tc.ok {
			t.Errorf("literalHeader(%q) = %d, %v, %v, want %d, %v, %v", tc.line, size, nonSync, ok, tc.size, tc.nonSync, tc.ok)
		}
	}
}

// FuzzLiteralHeader checks that literalHeader never panics, never returns a
// negative size, and accepts only lines that end with the header it found.
func FuzzLiteralHeader(f *testing.F) {
	for _, s := range []string{"a SELECT {5000}", "a {12+}", "~{5+}", "{}", "{99999999999999999999}", "{-1+}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		size, nonSync, ok := literalHeader(line)
		if !ok {
			return
		}
		if size < 0 {
			t.Fatalf("literalHeader(%q) size %d", line, size)
		}
		suffix := "{" + strconv.FormatInt(size, 10)
		if nonSync {
			suffix += "+"
		}
		suffix += "}"
		// Leading zeros are valid digits, so compare the parsed value.
		open := strings.LastIndexByte(line, '{')
		digits := strings.TrimSuffix(strings.TrimSuffix(line[open+1:], "}"), "+")
		if n, err := strconv.ParseInt(digits, 10, 64); err != nil || n != size || !strings.HasSuffix(line, "}") {
			t.Fatalf("literalHeader(%q) = %d, %v: the line does not end with %s", line, size, nonSync, suffix)
		}
	})
}
