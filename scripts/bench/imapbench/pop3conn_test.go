package main

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
)

func TestReadMultiline(t *testing.T) {
	tests := []struct {
		name, in string
		n        int64
		err      bool
	}{
		{"plain", "+OK 10 octets\r\nabc\r\nde\r\n.\r\n", 9, false},
		{"stuffed", "+OK\r\n..x\r\n...\r\n.\r\n", 8, false},
		{"empty", "+OK\r\n.\r\n", 0, false},
		{"bare LF", "+OK\nab\n.\n", 4, false},
		{"error", "-ERR no such message\r\n", 0, true},
		{"unterminated", "+OK\r\nabc\r\n", 0, true},
	}
	for _, tt := range tests {
		n, err := readMultiline(bufio.NewReader(strings.NewReader(tt.in)))
		if n != tt.n || (err != nil) != tt.err {
			t.Errorf("%s: readMultiline(%q) = %d, %v; want %d, error %v", tt.name, tt.in, n, err, tt.n, tt.err)
		}
	}
}

// FuzzReadMultiline feeds arbitrary server bytes to the POP3 reader: an
// error or a size no larger than the input (each line's end may grow by
// one byte, a CR added to a bare LF).
func FuzzReadMultiline(f *testing.F) {
	f.Add([]byte("+OK\r\nabc\r\n.\r\n"))
	f.Add([]byte("+OK\r\n..\r\n.\r\n"))
	f.Add([]byte("-ERR\r\n"))
	f.Add([]byte("+OK\nx\n.\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		n, err := readMultiline(bufio.NewReaderSize(bytes.NewReader(in), 16))
		if err == nil && n > 2*int64(len(in)) {
			t.Fatalf("readMultiline = %d from %d bytes", n, len(in))
		}
	})
}
