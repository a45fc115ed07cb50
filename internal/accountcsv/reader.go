package accountcsv

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"unicode/utf8"

	"github.com/axmail/axmail/internal/config"
	"github.com/axmail/axmail/internal/directory"
)

// Column is a known column of the file.
type Column uint8

// Columns. ColumnIgnored is a column whose name starts with "_".
const (
	ColumnIgnored Column = iota
	ColumnEmail
	ColumnPassword
	ColumnPasswordHash
	ColumnQuota
	ColumnMaxMessageSize
	ColumnDisplayName
	ColumnEnabled
	ColumnAliases
)

// columnNames are the names of the known columns, in the order help
// lists them.
var columnNames = [...]string{"", "email", "password", "password_hash", "quota", "max_message_size",
	"display_name", "enabled", "aliases"}

func (c Column) String() string {
	if int(c) < len(columnNames) && c != ColumnIgnored {
		return columnNames[c]
	}
	return "ignored"
}

// Columns lists the names of the known columns.
func Columns() []string { return append([]string(nil), columnNames[1:]...) }

// FileError is a problem with the file as a whole: reading stops.
type FileError struct {
	Line int // 0 when no line is to blame
	Err  error
}

func (e *FileError) Error() string {
	if e.Line == 0 {
		return e.Err.Error()
	}
	return fmt.Sprintf("line %d: %v", e.Line, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// Password is a plaintext password from the file. It prints and logs as
// [redacted]; convert it with string() where the password is needed.
type Password string

// String redacts the password, saying only whether there is one.
func (p Password) String() string {
	if p == "" {
		return ""
	}
	return "[redacted]"
}

// GoString redacts the password in %#v.
func (p Password) GoString() string { return `"` + p.String() + `"` }

// LogValue redacts the password.
func (p Password) LogValue() slog.Value { return slog.StringValue(p.String()) }

// Row is one data row. Empty strings and nil pointers are values the row
// leaves unset.
type Row struct {
	Line int // the line the record starts on
	// Fields is the record as read, for a rejects file; nil when the
	// record was too long to hold.
	Fields []string
	// Key identifies the account: the address in canonical form, lower
	// case; empty when the address is invalid.
	Key            string
	Email          string // as given, without surrounding spaces
	Password       Password
	PasswordHash   string
	Quota          *int64
	MaxMessageSize *int64
	DisplayName    string
	Enabled        *bool
	Aliases        []string
	// Reject says why the row cannot be imported ("" when it can),
	// naming the columns at fault.
	Reject string
}

// Options configure a Reader.
type Options struct {
	// MaxRecordBytes bounds a record; a longer one is rejected without
	// being held. 0 means DefaultMaxRecordBytes (64 KiB).
	MaxRecordBytes int
}

// Reader reads rows. It is not safe for concurrent use.
type Reader struct {
	sc      *scanner
	max     int
	header  []string
	cols    []Column
	has     [len(columnNames)]bool
	bom     int64
	seen    map[string]int // account key -> first line
	emailAt int            // the email column's index
}

// NewReader reads the header. The error is a *FileError when the header
// is missing or wrong, naming every problem at once.
func NewReader(r io.Reader, o Options) (*Reader, error) {
	max := o.MaxRecordBytes
	if max <= 0 {
		max = DefaultMaxRecordBytes
	}
	br := bufio.NewReader(r)
	rd := &Reader{max: max, seen: make(map[string]int)}
	if b, _ := br.Peek(3); string(b) == "\uFEFF" {
		_, _ = br.Discard(3)
		rd.bom = 3
	}
	rd.sc = newScanner(br, max)
	rec, err := rd.sc.next()
	switch {
	case err == io.EOF:
		return nil, &FileError{Err: errors.New("no header row: the file is empty")}
	case err != nil:
		return nil, err
	case rec.err == errTooLong:
		return nil, &FileError{Line: rec.line, Err: fmt.Errorf("header longer than %d bytes", max)}
	case rec.err != nil:
		return nil, &FileError{Line: rec.line, Err: fmt.Errorf("header: %v", rec.err)}
	}
	rd.header = rec.fields
	if err := rd.parseHeader(); err != nil {
		return nil, &FileError{Line: rec.line, Err: err}
	}
	return rd, nil
}

func (rd *Reader) parseHeader() error {
	var problems []string
	rd.cols = make([]Column, len(rd.header))
	for i, raw := range rd.header {
		name := strings.ToLower(strings.TrimSpace(raw))
		switch {
		case !utf8.ValidString(raw):
			problems = append(problems, fmt.Sprintf("the name of column %d is not UTF-8", i+1))
			continue
		case name == "":
			problems = append(problems, fmt.Sprintf("column %d has no name (start a name with _ to ignore a column)", i+1))
			continue
		case strings.HasPrefix(name, "_"):
			continue
		}
		c := Column(0)
		for j, n := range columnNames {
			if j > 0 && n == name {
				c = Column(j)
			}
		}
		switch {
		case c == ColumnIgnored:
			problems = append(problems, fmt.Sprintf("unknown column %q (known: %s; start a name with _ to ignore a column)",
				raw, strings.Join(Columns(), ", ")))
		case rd.has[c]:
			problems = append(problems, fmt.Sprintf("column %s twice", c))
		default:
			rd.has[c] = true
			rd.cols[i] = c
			if c == ColumnEmail {
				rd.emailAt = i
			}
		}
	}
	if !rd.has[ColumnEmail] {
		problems = append(problems, "no email column")
	}
	if rd.has[ColumnPassword] && rd.has[ColumnPasswordHash] {
		problems = append(problems, "both password and password_hash columns: give one")
	}
	if len(problems) == 0 {
		return nil
	}
	msg := strings.Join(problems, "; ")
	if rd.has == [len(columnNames)]bool{} {
		msg = "the first row must name the columns: " + msg
	}
	return errors.New(msg)
}

// Header returns the header's fields as read.
func (rd *Reader) Header() []string { return rd.header }

// Has reports whether the file has the column.
func (rd *Reader) Has(c Column) bool { return rd.has[c] }

// Offset returns the number of bytes read up to the end of the last
// record returned.
func (rd *Reader) Offset() int64 { return rd.bom + rd.sc.offset }

// MaxRecordBytes returns the record bound in force.
func (rd *Reader) MaxRecordBytes() int { return rd.max }

// Next returns the next row, valid or rejected, io.EOF after the last,
// or a *FileError that ends the reading.
func (rd *Reader) Next() (*Row, error) {
	rec, err := rd.sc.next()
	if err != nil {
		return nil, err
	}
	row := &Row{Line: rec.line, Fields: rec.fields}
	if i := rd.emailAt; i < len(rec.fields) && utf8.ValidString(rec.fields[i]) {
		row.Email = strings.TrimSpace(rec.fields[i]) // for reports, if rejected below
	}
	switch {
	case rec.err == errTooLong:
		row.Reject = fmt.Sprintf("record longer than %d bytes", rd.max)
		return row, nil
	case rec.err != nil:
		row.Reject = fmt.Sprintf("%s: %v", rd.fieldName(rec.badField), rec.err)
		return row, nil
	case len(rec.fields) != len(rd.cols):
		row.Reject = fmt.Sprintf("%d fields, the header has %d", len(rec.fields), len(rd.cols))
		return row, nil
	}
	var problems []string
	bad := func(c Column, format string, args ...any) {
		problems = append(problems, c.String()+": "+fmt.Sprintf(format, args...))
	}
	for i, v := range rec.fields {
		c := rd.cols[i]
		if c == ColumnIgnored {
			continue
		}
		if !utf8.ValidString(v) {
			bad(c, "not valid UTF-8")
			continue
		}
		if c != ColumnPassword {
			v = strings.TrimSpace(v)
		}
		switch c {
		case ColumnEmail:
			row.Email = v
			if v == "" {
				bad(c, "empty")
				break
			}
			canon, err := directory.CanonicalAddress(v)
			if err != nil {
				bad(c, "%v", err)
				break
			}
			row.Key = strings.ToLower(canon)
		case ColumnPassword:
			row.Password = Password(v)
		case ColumnPasswordHash:
			row.PasswordHash = v
		case ColumnQuota, ColumnMaxMessageSize:
			if v == "" {
				break
			}
			n, err := config.ParseSize(v)
			if err != nil {
				bad(c, "%v", err)
				break
			}
			p := int64(n)
			if c == ColumnQuota {
				row.Quota = &p
			} else {
				row.MaxMessageSize = &p
			}
		case ColumnDisplayName:
			row.DisplayName = v
		case ColumnEnabled:
			if v == "" {
				break
			}
			b, ok := parseBool(v)
			if !ok {
				bad(c, "%q is not true, false, yes, no, 1 or 0", v)
				break
			}
			row.Enabled = &b
		case ColumnAliases:
			for a := range strings.SplitSeq(v, ";") {
				if a = strings.TrimSpace(a); a != "" {
					row.Aliases = append(row.Aliases, a)
				}
			}
		}
	}
	// The first row of an address claims it, whatever becomes of it.
	if row.Key != "" {
		if first, dup := rd.seen[row.Key]; dup {
			problems = append(problems, fmt.Sprintf("email: duplicate of line %d", first))
		} else {
			rd.seen[row.Key] = row.Line
		}
	}
	if len(problems) > 0 {
		row.Reject = strings.Join(problems, "; ")
	}
	return row, nil
}

// fieldName names the i-th field (0-based) by its column.
func (rd *Reader) fieldName(i int) string {
	if i < len(rd.header) {
		name := strings.TrimSpace(rd.header[i])
		if utf8.ValidString(name) && name != "" {
			return fmt.Sprintf("field %d (%s)", i+1, name)
		}
	}
	return fmt.Sprintf("field %d", i+1)
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true", "yes", "1":
		return true, true
	case "false", "no", "0":
		return false, true
	}
	return false, false
}
