package accountcsv

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

// FuzzReader feeds arbitrary files to the reader. It must never panic;
// its records must match encoding/csv's wherever encoding/csv reads the
// input; a small record bound must change nothing but the records over
// it; and every row must be either rejected with a reason or hold a valid,
// first-seen address, on a line after the previous row's.
func FuzzReader(f *testing.F) {
	for _, s := range []string{
		"email,password,quota,max_message_size,display_name,enabled,aliases\na@example.com,pw,1G,25M,A,yes,x@example.com;y@example.com\n",
		"\uFEFFEmail,Password_Hash,_line,_reason\r\nb@example.com,{SHA512-CRYPT}$6$salt$hash,3,bad\r\n",
		"email,display_name\n\"c@example.com\",\"Smith, John\nJr\"\n\n  \nc@EXAMPLE.com,dup\n",
		"email,display_name\nd@example.com,bare \" quote\ne@example.com,\"closed\" then\n\"unterminated,x\n",
		"email\n\xff@example.com\n",
		"email,quota\na@example.com,1\r\r\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		compareWithCSV(t, data)

		// A small bound changes only the records over it.
		big, bigErr := scanAll(data, DefaultMaxRecordBytes)
		small, smallErr := scanAll(data, 16)
		if (bigErr == nil) != (smallErr == nil) || len(big) != len(small) {
			t.Fatalf("bound 16: %d records, %v; unbounded: %d, %v", len(small), smallErr, len(big), bigErr)
		}
		for i := range big {
			if small[i].line != big[i].line || small[i].err != errTooLong && !slices.Equal(small[i].fields, big[i].fields) {
				t.Fatalf("record %d: bound 16 gives line %d %q, unbounded line %d %q", i, small[i].line, small[i].fields, big[i].line, big[i].fields)
			}
		}

		rd, err := NewReader(bytes.NewReader(data), Options{})
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("NewReader error %v is not a FileError", err)
			}
			return
		}
		if !rd.Has(ColumnEmail) {
			t.Fatal("a header without email accepted")
		}
		last := 0
		keys := make(map[string]bool)
		for {
			row, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				var fe *FileError
				if !errors.As(err, &fe) {
					t.Fatalf("Next error %v is not a FileError", err)
				}
				break
			}
			if row.Line <= last {
				t.Fatalf("row on line %d after line %d", row.Line, last)
			}
			last = row.Line
			if row.Reject != "" {
				continue
			}
			if row.Key == "" || row.Key != strings.ToLower(row.Key) || keys[row.Key] {
				t.Fatalf("accepted row on line %d with key %q (seen %v)", row.Line, row.Key, keys[row.Key])
			}
			keys[row.Key] = true
			if len(row.Fields) != len(rd.Header()) {
				t.Fatalf("accepted row on line %d has %d fields, header %d", row.Line, len(row.Fields), len(rd.Header()))
			}
			for _, n := range []*int64{row.Quota, row.MaxMessageSize} {
				if n != nil && *n < 0 {
					t.Fatalf("negative size accepted on line %d", row.Line)
				}
			}
		}
		if rd.Offset() > int64(len(data)) {
			t.Fatalf("offset %d beyond %d bytes", rd.Offset(), len(data))
		}
	})
}
