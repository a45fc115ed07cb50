package imapwire

import (
	"bufio"
	"bytes"
	"errors"
	"testing"
	"time"
)

func newTestEncoder() (*Encoder, *bufio.Writer, *bytes.Buffer) {
	var buf bytes.Buffer
	bw := bufio.NewWriter(&buf)
	return NewEncoder(bw, ConnSideServer), bw, &buf
}

func TestEncoderValues(t *testing.T) {
	date := time.Date(2026, time.March, 5, 7, 8, 9, 0, time.FixedZone("", -(4*3600+30*60)))
	for _, tc := range []struct {
		name  string
		write func(enc *Encoder)
		want  string
	}{
		{"Number 0", func(enc *Encoder) { enc.Number(0) }, "0"},
		{"Number max", func(enc *Encoder) { enc.Number(4294967295) }, "4294967295"},
		{"Number64", func(enc *Encoder) { enc.Number64(9223372036854775807) }, "9223372036854775807"},
		{"ModSeq max", func(enc *Encoder) { enc.ModSeq(18446744073709551615) }, "18446744073709551615"},
		{"numbers in a row", func(enc *Encoder) { enc.Number(12345).SP().Number(7).SP().ModSeq(99) }, "12345 7 99"},
		{"Special", func(enc *Encoder) { enc.Special('(').Special(')').Special('[') }, "()["},
		{"Quoted plain", func(enc *Encoder) { enc.Quoted("a b") }, `"a b"`},
		{"Quoted empty", func(enc *Encoder) { enc.Quoted("") }, `""`},
		{"Quoted escapes", func(enc *Encoder) { enc.Quoted(`a"b\c"`) }, `"a\"b\\c\""`},
		{"Quoted only escapes", func(enc *Encoder) { enc.Quoted(`\"`) }, `"\\\""`},
		{"QuotedTime", func(enc *Encoder) { enc.QuotedTime(date, "_2-Jan-2006 15:04:05 -0700") }, `" 5-Mar-2026 07:08:09 -0430"`},
		{"QuotedTime escapes", func(enc *Encoder) { enc.QuotedTime(date, `2006"\`) }, `"2026\"\\"`},
	} {
		enc, _, buf := newTestEncoder()
		tc.write(enc)
		if err := enc.CRLF(); err != nil {
			t.Fatalf("%s: CRLF: %v", tc.name, err)
		}
		if got := buf.String(); got != tc.want+"\r\n" {
			t.Errorf("%s wrote %q, want %q", tc.name, got, tc.want+"\r\n")
		}
	}
}

// TestEncoderNoAllocs: numbers, specials and quoted strings are written
// without allocating, as each FETCH response of a large mailbox uses them.
func TestEncoderNoAllocs(t *testing.T) {
	enc, _, buf := newTestEncoder()
	date := time.Date(2026, time.March, 5, 7, 8, 9, 0, time.UTC)
	allocs := testing.AllocsPerRun(100, func() {
		buf.Reset()
		enc.Atom("*").SP().Number(123456).SP().Atom("FETCH").SP().Special('(')
		enc.Atom("MODSEQ").SP().Special('(').ModSeq(1234567890123).Special(')').SP()
		enc.Number64(98765).SP().Quoted(`x"y`).SP().QuotedTime(date, "_2-Jan-2006 15:04:05 -0700")
		enc.Special(')')
		if err := enc.CRLF(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("a response allocates %v times, want 0", allocs)
	}
}

// TestEncoderCRLFBuffered: CRLFBuffered leaves the line in the buffered
// writer; CRLF flushes it with what came before.
func TestEncoderCRLFBuffered(t *testing.T) {
	enc, bw, buf := newTestEncoder()
	if err := enc.Atom("* 1 FETCH (UID 1)").CRLFBuffered(); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 0 || bw.Buffered() != len("* 1 FETCH (UID 1)\r\n") {
		t.Fatalf("CRLFBuffered: %d bytes written, %d buffered; want 0 written", buf.Len(), bw.Buffered())
	}
	if err := enc.Atom("A1 OK done").CRLF(); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "* 1 FETCH (UID 1)\r\nA1 OK done\r\n"; got != want {
		t.Errorf("wrote %q, want %q", got, want)
	}
}

type failWriter struct{}

var errWrite = errors.New("write failed")

func (failWriter) Write([]byte) (int, error) { return 0, errWrite }

// TestEncoderReset: an error sticks until Reset, and Reset leaves the
// encoder usable when its writer is.
func TestEncoderReset(t *testing.T) {
	var buf bytes.Buffer
	bw := bufio.NewWriter(&buf)
	enc := NewEncoder(bw, ConnSideServer)
	enc.Flag("bad flag") // invalid: sets the encoder's error
	if err := enc.CRLF(); err == nil {
		t.Fatal("CRLF after an invalid flag succeeded")
	}
	if err := enc.Atom("x").CRLF(); err == nil {
		t.Fatal("the encoder's error did not stick")
	}
	buf.Reset()
	bw.Reset(&buf)
	enc.Reset()
	if err := enc.Atom("y").CRLF(); err != nil || buf.String() != "y\r\n" {
		t.Errorf("after Reset: %v, wrote %q, want \"y\\r\\n\"", err, buf.String())
	}

	// A literal left open is closed by Reset too.
	enc.Literal(3, nil)
	if err := enc.Atom("z").CRLF(); err == nil {
		t.Fatal("encoding with a literal open succeeded")
	}
	enc.Reset()
	if err := enc.Atom("z").CRLF(); err != nil {
		t.Errorf("after Reset: %v", err)
	}

	// A failing writer fails every response, Reset or not.
	enc = NewEncoder(bufio.NewWriterSize(failWriter{}, 16), ConnSideServer)
	if err := enc.Atom("0123456789abcdefgh").CRLF(); !errors.Is(err, errWrite) {
		t.Errorf("CRLF over a failing writer = %v, want %v", err, errWrite)
	}
	enc.Reset()
	if err := enc.Atom("a").CRLF(); !errors.Is(err, errWrite) {
		t.Errorf("CRLF after Reset over a failing writer = %v, want %v", err, errWrite)
	}
}
