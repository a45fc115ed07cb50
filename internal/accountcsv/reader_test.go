package accountcsv

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
)

func TestHeader(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		err      string // substring of the FileError; "" for none
		line     int
	}{
		{"minimal", "email\n", "", 0},
		{"all", "email,password,quota,max_message_size,display_name,enabled,aliases\n", "", 0},
		{"case and spaces", " EMAIL , Password_Hash ,_line,_REASON\n", "", 0},
		{"bom", "\uFEFFemail,quota\n", "", 0},
		{"leading empty lines", "\n\r\n  \nemail\n", "", 0},
		{"empty file", "", "no header row", 0},
		{"only blank lines", "\n \n\t\n", "no header row", 0},
		{"no email", "password,quota\n", "no email column", 1},
		{"unknown", "email,mailbox_size\n", `unknown column "mailbox_size"`, 1},
		{"two unknown", "email,foo,bar\n", `unknown column "foo" (known: email, password, password_hash`, 1},
		{"both passwords", "email,password,password_hash\n", "both password and password_hash", 1},
		{"twice", "email,quota,QUOTA\n", "column quota twice", 1},
		{"unnamed", "email,,quota\n", "column 2 has no name", 1},
		{"not utf8", "email,\xff\n", "column 2 is not UTF-8", 1},
		{"data as header", "alice@example.com,secret\n", "the first row must name the columns", 1},
		{"bad quotes", "\"email\"x\n", "header", 1},
		{"header after blank line", "\nemail,nope\n", "unknown column", 2},
		{"unterminated", "\"email\n", "not closed", 1},
		{"too long", "email," + strings.Repeat("x", 100) + "\n", "header longer than 80 bytes", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewReader(strings.NewReader(tc.in), Options{MaxRecordBytes: 80})
			if tc.err == "" {
				if err != nil {
					t.Fatalf("NewReader(%q) = %v, want no error", tc.in, err)
				}
				return
			}
			var fe *FileError
			if !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.err) || fe.Line != tc.line {
				t.Fatalf("NewReader(%q) = %v, want a FileError on line %d containing %q", tc.in, err, tc.line, tc.err)
			}
		})
	}
}

func TestRows(t *testing.T) {
	const head = "email,password,quota,max_message_size,display_name,enabled,aliases,_note\n"
	i64 := func(n int64) *int64 { return &n }
	yes, no := true, false
	for _, tc := range []struct {
		name, row string
		want      Row    // checked when reject is ""
		reject    string // substring of Reject
	}{
		{"full", "Alice@Example.COM,s3cret,1G,25M,Alice A,yes,al@example.com; a2@example.com ;,anything\n",
			Row{Key: "alice@example.com", Email: "Alice@Example.COM", Password: "s3cret", Quota: i64(1 << 30), MaxMessageSize: i64(25 << 20),
				DisplayName: "Alice A", Enabled: &yes, Aliases: []string{"al@example.com", "a2@example.com"}}, ""},
		{"unset", "bob@example.com,,,,,,,\n", Row{Key: "bob@example.com", Email: "bob@example.com"}, ""},
		{"zero is unlimited", " bob@example.com ,  pw with spaces ,0,0, Bob ,0,,\n",
			Row{Key: "bob@example.com", Email: "bob@example.com", Password: "  pw with spaces ", Quota: i64(0), MaxMessageSize: i64(0),
				DisplayName: "Bob", Enabled: &no}, ""},
		{"quoted", "\"c@example.com\",\"p,w\"\"x\",\"1024\",,\"Smith, John\nJr\",TRUE,,\n",
			Row{Key: "c@example.com", Email: "c@example.com", Password: `p,w"x`, Quota: i64(1024), DisplayName: "Smith, John\nJr", Enabled: &yes}, ""},
		{"idn", "d@Bücher.example,,,,,,,\n", Row{Key: "d@xn--bcher-kva.example", Email: "d@Bücher.example"}, ""},
		{"bad quota", "e@example.com,,lots,,,,,\n", Row{}, `quota: "lots" is not a size`},
		{"negative quota", "e@example.com,,-1,,,,,\n", Row{}, `quota: "-1" is not a size`},
		{"bad size", "e@example.com,,,12X,,,,\n", Row{}, "max_message_size:"},
		{"bad enabled", "e@example.com,,,,,maybe,,\n", Row{}, `enabled: "maybe" is not true, false, yes, no, 1 or 0`},
		{"two problems", "e@example.com,,x,,,maybe,,\n", Row{}, "quota: \"x\" is not a size (bytes, or a number with K, M, G, T); enabled:"},
		{"no at", "nobody,,,,,,,\n", Row{}, `email: directory: invalid: address "nobody" has no @`},
		{"bad local", "a b@example.com,,,,,,,\n", Row{}, "email: directory: invalid"},
		{"empty email", ",,,,,,,\n", Row{}, "email: empty"},
		{"not utf8", "f@example.com,,,,Bad \xff name,,,\n", Row{}, "display_name: not valid UTF-8"},
		{"not utf8 ignored column", "f@example.com,,,,,,,\xff\n", Row{Key: "f@example.com", Email: "f@example.com"}, ""},
		{"too few", "g@example.com,x\n", Row{}, "2 fields, the header has 8"},
		{"too many", "g@example.com,,,,,,,,,\n", Row{}, "10 fields, the header has 8"},
		{"bare quote", "g@example.com,,,,Bob \"the\" Builder,,,\n", Row{}, `field 5 (display_name): a quote (") inside a field`},
		{"quote after closing", "g@example.com,,,,\"Bob\" B,,,\n", Row{}, `field 5 (display_name): a quote (") after the closing quote`},
		{"too long", "g@example.com,,,,," + strings.Repeat("x", 200) + ",,\n", Row{}, "record longer than 128 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rd, err := NewReader(strings.NewReader(head+tc.row), Options{MaxRecordBytes: 128})
			if err != nil {
				t.Fatal(err)
			}
			row, err := rd.Next()
			if err != nil {
				t.Fatalf("Next() = %v", err)
			}
			if tc.reject != "" {
				if !strings.Contains(row.Reject, tc.reject) {
					t.Fatalf("row %q: Reject = %q, want it to contain %q", tc.row, row.Reject, tc.reject)
				}
				return
			}
			if row.Reject != "" {
				t.Fatalf("row %q rejected: %s", tc.row, row.Reject)
			}
			tc.want.Line, tc.want.Fields = 2, row.Fields
			if got, want := show(*row), show(tc.want); got != want {
				t.Fatalf("row %q:\n got %s\nwant %s", tc.row, got, want)
			}
			if _, err := rd.Next(); err != io.EOF {
				t.Fatalf("Next() after the last row = %v, want io.EOF", err)
			}
		})
	}
}

// show prints a row with its pointers followed and its password shown.
func show(r Row) string {
	deref := func(p any) string {
		switch p := p.(type) {
		case *int64:
			if p != nil {
				return fmt.Sprint(*p)
			}
		case *bool:
			if p != nil {
				return fmt.Sprint(*p)
			}
		}
		return "unset"
	}
	q, m, e := deref(r.Quota), deref(r.MaxMessageSize), deref(r.Enabled)
	pw := string(r.Password)
	r.Quota, r.MaxMessageSize, r.Enabled, r.Password = nil, nil, nil, ""
	return fmt.Sprintf("%+v password=%q quota=%s max_message_size=%s enabled=%s", r, pw, q, m, e)
}

func TestDuplicatesAndLines(t *testing.T) {
	in := "\uFEFFemail,display_name\r\n" +
		"a@example.com,A\r\n" +
		"\r\n" +
		"b@example.com,\"two\r\nlines\"\r\n" +
		"A@EXAMPLE.com,again\r\n" +
		"bad,x\r\n" +
		"bad,y\r\n" +
		"b@example.com\r\n" +
		"b@example.com,third\r\n"
	rd, err := NewReader(strings.NewReader(in), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		line   int
		reject string
	}{{2, ""}, {4, ""}, {6, "email: duplicate of line 2"}, {7, "has no @"}, {8, "has no @"}, {9, "1 fields"}, {10, "email: duplicate of line 4"}}
	for _, w := range want {
		row, err := rd.Next()
		if err != nil {
			t.Fatal(err)
		}
		if row.Line != w.line || (w.reject == "") != (row.Reject == "") || !strings.Contains(row.Reject, w.reject) {
			t.Errorf("row on line %d rejected %q; want line %d rejected %q", row.Line, row.Reject, w.line, w.reject)
		}
	}
	if _, err := rd.Next(); err != io.EOF {
		t.Fatalf("Next() = %v, want io.EOF", err)
	}
	if rd.Offset() != int64(len(in)) {
		t.Fatalf("Offset() = %d, want %d", rd.Offset(), len(in))
	}
}

func TestPasswordRedacted(t *testing.T) {
	rd, err := NewReader(strings.NewReader("email,password\na@example.com,hunter2\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	row, err := rd.Next()
	if err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	slog.New(slog.NewTextHandler(&log, nil)).Info("row", "password", row.Password)
	for _, s := range []string{fmt.Sprint(row.Password), fmt.Sprintf("%v %s %#v", row.Password, row.Password, row.Password), log.String()} {
		if strings.Contains(s, "hunter2") {
			t.Fatalf("password shows: %s", s)
		}
	}
	if string(row.Password) != "hunter2" {
		t.Fatalf("password = %q", string(row.Password))
	}
}

// TestRejectedRowsNameTheirAddress: a row rejected before its values are
// read still carries its address, for the report.
func TestRejectedRowsNameTheirAddress(t *testing.T) {
	rd, err := NewReader(strings.NewReader("quota,email\n1G\n2G, x@example.com ,extra\n3G,\"y@example.com\",\"a\"b\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"", "x@example.com", "y@example.com"} {
		row, err := rd.Next()
		if err != nil {
			t.Fatal(err)
		}
		if row.Reject == "" || row.Email != want {
			t.Errorf("line %d: email %q, reject %q; want %q and a rejection", row.Line, row.Email, row.Reject, want)
		}
	}
}
