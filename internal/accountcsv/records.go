package accountcsv

import (
	"errors"
	"fmt"
	"io"
)

// DefaultMaxRecordBytes bounds one record (a row with its line breaks)
// when Options.MaxRecordBytes is 0.
const DefaultMaxRecordBytes = 64 << 10

// Record-level problems: the row is rejected, reading goes on.
var (
	errBareQuote = errors.New(`a quote (") inside a field that does not start with one`)
	errQuote     = errors.New(`a quote (") after the closing quote of a field; double quotes inside quoted fields`)
	errTooLong   = errors.New("record too long")
)

// ErrUnterminated is a quoted field open at the end of the file.
var ErrUnterminated = errors.New("accountcsv: quoted field not closed before the end of the file")

// record is one CSV record.
type record struct {
	line   int      // the line it starts on, from 1
	fields []string // nil when err is errTooLong
	// err is errBareQuote, errQuote or errTooLong; badField is the
	// 0-based field a quote error is in.
	err      error
	badField int
}

// scanner splits a stream into records with encoding/csv's rules (comma,
// no comment character, strict quotes), holding at most max bytes of a
// record. After a quote error it ends the record at the end of its line,
// as encoding/csv does, keeping the rest of the line with its quotes taken
// literally, so that a rejects file can show the row.
type scanner struct {
	r      io.Reader
	buf    []byte
	pos, n int
	rerr   error // the read error that ended input, io.EOF at the end
	line   int   // the line of the next byte
	offset int64 // bytes consumed
	max    int

	rec  []byte // the current record's field bytes
	ends []int  // the end of each field in rec
}

func newScanner(r io.Reader, max int) *scanner {
	return &scanner{r: r, buf: make([]byte, 64<<10), line: 1, max: max}
}

func (s *scanner) fill() bool {
	if s.rerr != nil {
		return false
	}
	for i := 0; i < 100; i++ {
		n, err := s.r.Read(s.buf)
		if err != nil {
			s.rerr = err
		}
		if n > 0 {
			s.pos, s.n = 0, n
			return true
		}
		if err != nil {
			return false
		}
	}
	s.rerr = io.ErrNoProgress
	return false
}

// byte returns the next byte with encoding/csv's line end rules: CRLF
// reads as LF, and a CR just before the end of input is dropped.
func (s *scanner) byte() (byte, bool) {
	if s.pos == s.n && !s.fill() {
		return 0, false
	}
	c := s.buf[s.pos]
	s.pos++
	s.offset++
	if c != '\r' {
		return c, true
	}
	if s.pos == s.n && !s.fill() {
		return 0, false
	}
	if s.buf[s.pos] == '\n' {
		s.pos++
		s.offset++
		return '\n', true
	}
	return '\r', true
}

// Scanner states.
const (
	stStart  = iota // at the start of a field
	stPlain         // in a field that did not start with a quote
	stQuoted        // in a quoted field
	stQuote         // just after a quote in a quoted field
	stLazy          // after a quote error: the rest of the line, quotes literal
)

// next returns the next record, io.EOF after the last, or a *FileError.
func (s *scanner) next() (record, error) {
restart:
	rec := record{line: s.line}
	s.rec, s.ends = s.rec[:0], s.ends[:0]
	size := 0
	st := stStart
	blank := true // nothing but spaces and tabs so far
	for {
		c, ok := s.byte()
		if !ok {
			if s.rerr != io.EOF {
				return record{}, &FileError{Line: s.line, Err: fmt.Errorf("read: %w", s.rerr)}
			}
			switch {
			case size == 0 || st == stPlain && blank:
				return record{}, io.EOF
			case st == stQuoted:
				return record{}, &FileError{Line: rec.line, Err: ErrUnterminated}
			}
			return s.finish(rec, size), nil
		}
		size++
		if c == '\n' {
			s.line++
		}
		switch st {
		case stStart:
			switch c {
			case '"':
				st, blank = stQuoted, false
			case ',':
				s.end(size)
				blank = false
			case '\n':
				if size == 1 { // an empty line
					goto restart
				}
				return s.finish(rec, size), nil
			default:
				st = stPlain
				blank = blank && (c == ' ' || c == '\t')
				s.add(c, size)
			}
		case stPlain:
			switch c {
			case ',':
				s.end(size)
				st, blank = stStart, false
			case '\n':
				if blank {
					goto restart
				}
				return s.finish(rec, size), nil
			case '"':
				rec.err, rec.badField = errBareQuote, len(s.ends)
				st, blank = stLazy, false
				s.add(c, size)
			default:
				blank = blank && (c == ' ' || c == '\t')
				s.add(c, size)
			}
		case stQuoted:
			if c == '"' {
				st = stQuote
			} else {
				s.add(c, size)
			}
		case stQuote:
			switch c {
			case '"':
				st = stQuoted
				s.add(c, size)
			case ',':
				s.end(size)
				st = stStart
			case '\n':
				return s.finish(rec, size), nil
			default:
				rec.err, rec.badField = errQuote, len(s.ends)
				st = stLazy
				s.add('"', size)
				s.add(c, size)
			}
		case stLazy:
			switch c {
			case ',':
				s.end(size)
			case '\n':
				return s.finish(rec, size), nil
			default:
				s.add(c, size)
			}
		}
	}
}

// add appends a byte of a field unless the record is already too long.
func (s *scanner) add(c byte, size int) {
	if size <= s.max {
		s.rec = append(s.rec, c)
	}
}

// end ends a field unless the record is already too long.
func (s *scanner) end(size int) {
	if size <= s.max {
		s.ends = append(s.ends, len(s.rec))
	}
}

// finish ends the record: the last field, then one string for all.
func (s *scanner) finish(rec record, size int) record {
	if size > s.max {
		rec.err, rec.fields = errTooLong, nil
		return rec
	}
	s.ends = append(s.ends, len(s.rec))
	all := string(s.rec)
	rec.fields = make([]string, len(s.ends))
	prev := 0
	for i, e := range s.ends {
		rec.fields[i] = all[prev:e]
		prev = e
	}
	return rec
}
