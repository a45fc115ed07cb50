package main

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
)

func TestLiteralSize(t *testing.T) {
	tests := []struct {
		name, line string
		n          int64
		ok, err    bool
	}{
		{"sync", "* 1 FETCH (BODY[] {8192}", 8192, true, false},
		{"nonsync", "t1 APPEND INBOX {12+}", 12, true, false},
		{"literal8", "* 1 FETCH (BINARY[] ~{5}", 5, true, false},
		{"zero", "* 1 FETCH (BODY[] {0}", 0, true, false},
		{"none", "* 1 FETCH (UID 1 FLAGS (\\Seen))", 0, false, false},
		{"brace only", "x}", 0, false, false},
		{"empty braces", "* {}", 0, false, false},
		{"letters", "* {12a}", 0, false, false},
		{"too many digits", "* {12345678901}", 0, false, false},
		{"too large", "* {2000000000}", 0, false, true},
	}
	for _, tt := range tests {
		n, ok, err := literalSize([]byte(tt.line))
		if n != tt.n || ok != tt.ok || (err != nil) != tt.err {
			t.Errorf("%s: literalSize(%q) = %d, %v, %v; want %d, %v, error %v", tt.name, tt.line, n, ok, err, tt.n, tt.ok, tt.err)
		}
	}
}

func TestReadResponse(t *testing.T) {
	in := "* 1 FETCH (BODY[] {5}\r\nhello UID 7)\r\n" +
		"* 2 FETCH (BODY[HEADER] {3}\r\nabc BODY[TEXT] {0}\r\n)\r\n" +
		"* 3 EXISTS\n" +
		"t1 OK done\r\n"
	r := bufio.NewReader(strings.NewReader(in))
	want := []struct {
		line     string
		literals []int64
	}{
		{"* 1 FETCH (BODY[]  UID 7)", []int64{5}},
		{"* 2 FETCH (BODY[HEADER]  BODY[TEXT] )", []int64{3, 0}},
		{"* 3 EXISTS", nil},
		{"t1 OK done", nil},
	}
	for i, w := range want {
		resp, err := readResponse(r, nil)
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		if string(resp.line) != w.line || len(resp.literals) != len(w.literals) {
			t.Fatalf("response %d = %q %v, want %q %v", i, resp.line, resp.literals, w.line, w.literals)
		}
		for j := range w.literals {
			if resp.literals[j] != w.literals[j] {
				t.Errorf("response %d literal %d = %d, want %d", i, j, resp.literals[j], w.literals[j])
			}
		}
	}
	if _, err := readResponse(r, nil); err == nil {
		t.Error("readResponse at EOF: no error")
	}
}

func TestReadResponseShort(t *testing.T) {
	for _, in := range []string{"* 1 FETCH (BODY[] {10}\r\nabc", "* OK no end", "* 1 FETCH {5}\r\nhello"} {
		if _, err := readResponse(bufio.NewReader(strings.NewReader(in)), nil); err == nil {
			t.Errorf("readResponse(%q): no error", in)
		}
	}
}

// FuzzReadResponse feeds arbitrary server bytes to the response reader:
// it must return responses or an error, never panic, and never count
// more literal bytes than it was given.
func FuzzReadResponse(f *testing.F) {
	f.Add([]byte("* OK ready\r\n"))
	f.Add([]byte("* 1 FETCH (BODY[] {5}\r\nhello)\r\nt1 OK\r\n"))
	f.Add([]byte("* 1 FETCH (BINARY[] ~{3}\r\nabc)\r\n"))
	f.Add([]byte("+ go ahead\r\n"))
	f.Add([]byte("* {99999999999}\r\n"))
	f.Add([]byte("* 2 FETCH (UID 2 FLAGS (\\Seen))\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bufio.NewReaderSize(bytes.NewReader(in), 16)
		var total int64
		for range 1000 {
			resp, err := readResponse(r, nil)
			if err != nil {
				break
			}
			resp.tagged()
			resp.field(1)
			for _, n := range resp.literals {
				total += n
			}
		}
		if total > int64(len(in)) {
			t.Fatalf("%d literal bytes counted from %d input bytes", total, len(in))
		}
	})
}

func TestResponseWords(t *testing.T) {
	r := &response{line: []byte("*  12 FETCH (UID 12 FLAGS (\\Seen))")}
	for i, want := range []string{"*", "12", "FETCH", "(UID", "12", "FLAGS", "(\\Seen))", ""} {
		if got := r.field(i); got != want {
			t.Errorf("field(%d) = %q, want %q", i, got, want)
		}
	}
	if !r.is(2, "FETCH") || r.is(2, "EXISTS") || r.is(9, "") != true {
		t.Errorf("is() disagrees with field()")
	}
	if n := testing.AllocsPerRun(100, func() { _ = r.is(2, "FETCH") }); n != 0 {
		t.Errorf("is allocates %v times", n)
	}
}
