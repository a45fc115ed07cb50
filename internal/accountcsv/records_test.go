package accountcsv

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// scanAll reads every record; the error is the FileError that stopped it.
func scanAll(data []byte, max int) ([]record, error) {
	s := newScanner(bytes.NewReader(data), max)
	var out []record
	for {
		rec, err := s.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, rec)
	}
}

func TestScanner(t *testing.T) {
	type rec struct {
		line   int
		fields []string
		err    error
	}
	for _, tc := range []struct {
		name string
		in   string
		want []rec
		err  error
	}{
		{"empty", "", nil, nil},
		{"simple", "a,b\nc,d\n", []rec{{1, []string{"a", "b"}, nil}, {2, []string{"c", "d"}, nil}}, nil},
		{"no final newline", "a,b\nc,d", []rec{{1, []string{"a", "b"}, nil}, {2, []string{"c", "d"}, nil}}, nil},
		{"crlf", "a,b\r\nc,d\r\n", []rec{{1, []string{"a", "b"}, nil}, {2, []string{"c", "d"}, nil}}, nil},
		{"cr kept inside", "a\rb,c\n", []rec{{1, []string{"a\rb", "c"}, nil}}, nil},
		{"cr at eof dropped", "a,b\r", []rec{{1, []string{"a", "b"}, nil}}, nil},
		{"empty lines skipped", "\n\na\n\r\n\nb\n\n", []rec{{3, []string{"a"}, nil}, {6, []string{"b"}, nil}}, nil},
		{"blank lines skipped", "a\n  \t \n\t\nb\n   ", []rec{{1, []string{"a"}, nil}, {4, []string{"b"}, nil}}, nil},
		{"empty fields", ",\n,,\n", []rec{{1, []string{"", ""}, nil}, {2, []string{"", "", ""}, nil}}, nil},
		{"trailing comma at eof", "a,", []rec{{1, []string{"a", ""}, nil}}, nil},
		{"quoted comma", `"a,b",c` + "\n", []rec{{1, []string{"a,b", "c"}, nil}}, nil},
		{"quoted quote", `"say ""hi""",x` + "\n", []rec{{1, []string{`say "hi"`, "x"}, nil}}, nil},
		{"quoted newline", "\"a\nb\",c\nd,e\n", []rec{{1, []string{"a\nb", "c"}, nil}, {3, []string{"d", "e"}, nil}}, nil},
		{"quoted crlf", "\"a\r\nb\",c\r\nd,e\r\n", []rec{{1, []string{"a\nb", "c"}, nil}, {3, []string{"d", "e"}, nil}}, nil},
		{"quoted empty", `"",""` + "\n", []rec{{1, []string{"", ""}, nil}}, nil},
		{"quoted blank is a record", `"  "` + "\n", []rec{{1, []string{"  "}, nil}}, nil},
		{"bare quote", "ab\"c,d\ne,f\n", []rec{{1, []string{`ab"c`, "d"}, errBareQuote}, {2, []string{"e", "f"}, nil}}, nil},
		{"quote after closing", "\"ab\"c,\"d\ne,f\n", []rec{{1, []string{`ab"c`, `"d`}, errQuote}, {2, []string{"e", "f"}, nil}}, nil},
		{"unterminated", "a,b\n\"c,d\ne,f\n", []rec{{1, []string{"a", "b"}, nil}}, ErrUnterminated},
		{"too long", "a,b\n0123456789012345678901234567890123456789,x\nc,d\n",
			[]rec{{1, []string{"a", "b"}, nil}, {2, nil, errTooLong}, {3, []string{"c", "d"}, nil}}, nil},
		{"too long quoted over lines", "\"0123456789\n0123456789\n0123456789\n0123456789\",x\nc,d\n",
			[]rec{{1, nil, errTooLong}, {5, []string{"c", "d"}, nil}}, nil},
		{"many commas", strings.Repeat(",", 100) + "\na\n", []rec{{1, nil, errTooLong}, {2, []string{"a"}, nil}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := scanAll([]byte(tc.in), 32)
			if !errors.Is(err, tc.err) {
				t.Fatalf("scan(%q) error = %v, want %v", tc.in, err, tc.err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("scan(%q) = %d records %+v, want %d", tc.in, len(got), got, len(tc.want))
			}
			for i, w := range tc.want {
				g := got[i]
				if g.line != w.line || !slices.Equal(g.fields, w.fields) || g.err != w.err {
					t.Errorf("scan(%q) record %d = line %d %q %v, want line %d %q %v", tc.in, i, g.line, g.fields, g.err, w.line, w.fields, w.err)
				}
			}
			compareWithCSV(t, []byte(tc.in))
		})
	}
}

// TestScannerSmallReads feeds one byte per Read, so that CRLF pairs and
// quotes straddle buffer refills.
func TestScannerSmallReads(t *testing.T) {
	in := "a,\"b\r\nc\"\r\n\r\n\"x\"\"y\",z\r"
	s := newScanner(iotest.OneByteReader(strings.NewReader(in)), 1<<10)
	var got [][]string
	for {
		rec, err := s.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, rec.fields)
	}
	want := [][]string{{"a", "b\nc"}, {`x"y`, "z"}}
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Fatalf("one byte reads: %q, want %q", got, want)
	}
	if s.offset != int64(len(in)) {
		t.Fatalf("offset %d, want %d", s.offset, len(in))
	}
}

func TestScannerReadError(t *testing.T) {
	boom := errors.New("boom")
	s := newScanner(io.MultiReader(strings.NewReader("a,b\nc"), iotest.ErrReader(boom)), 1<<10)
	if _, err := s.next(); err != nil {
		t.Fatal(err)
	}
	_, err := s.next()
	var fe *FileError
	if !errors.As(err, &fe) || !errors.Is(err, boom) || fe.Line != 2 {
		t.Fatalf("read error = %v, want a FileError on line 2 wrapping boom", err)
	}
}

// compareWithCSV checks the scanner against encoding/csv where the two
// must agree: input that encoding/csv reads without error and with no
// record over the bound. The scanner skips blank lines, which
// encoding/csv returns as a record of one blank field: such records are
// dropped from both sides.
func compareWithCSV(t *testing.T, data []byte) {
	t.Helper()
	ours, ourErr := scanAll(data, DefaultMaxRecordBytes)
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	type lined struct {
		line   int
		fields []string
	}
	var theirs []lined
	for {
		f, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return // encoding/csv refuses it: nothing to compare
		}
		line, _ := r.FieldPos(0)
		theirs = append(theirs, lined{line, f})
	}
	if ourErr != nil {
		t.Fatalf("scanner fails with %v where encoding/csv reads %d records", ourErr, len(theirs))
	}
	blank := func(f []string) bool {
		return len(f) == 1 && f[0] != "" && strings.Trim(f[0], " \t") == ""
	}
	var mine []lined
	for _, rec := range ours {
		if rec.err == errTooLong {
			return
		}
		if rec.err != nil {
			t.Fatalf("scanner reports %v on line %d where encoding/csv reads the input", rec.err, rec.line)
		}
		if !blank(rec.fields) {
			mine = append(mine, lined{rec.line, rec.fields})
		}
	}
	theirs = slices.DeleteFunc(theirs, func(l lined) bool { return blank(l.fields) })
	if len(mine) != len(theirs) {
		t.Fatalf("scanner: %d records %+v; encoding/csv: %d %+v", len(mine), mine, len(theirs), theirs)
	}
	for i := range mine {
		if !slices.Equal(mine[i].fields, theirs[i].fields) || mine[i].line != theirs[i].line {
			t.Fatalf("record %d: scanner line %d %q; encoding/csv line %d %q", i, mine[i].line, mine[i].fields, theirs[i].line, theirs[i].fields)
		}
	}
}
