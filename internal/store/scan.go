package store

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
)

// scanWindow is how much of a container a scan holds at once. A window
// that fits the CPU caches matters more than fewer reads: parsing a 64 MiB
// container read whole ran at a fifth of the speed of 1 MiB windows here,
// because every byte left the cache between the read and the checksum.
const scanWindow = 1 << 20

// containerSizes lists the containers' ids in order, with each file's size
// (0 if it cannot be read: its scan reports why) and their sum, for the
// progress of a scan over all of them.
func containerSizes(files map[uint64]string) (ids []uint64, sizes map[uint64]int64, total int64) {
	ids = make([]uint64, 0, len(files))
	sizes = make(map[uint64]int64, len(files))
	for id, p := range files {
		ids = append(ids, id)
		if st, err := os.Stat(p); err == nil {
			sizes[id] = st.Size()
			total += st.Size()
		}
	}
	slices.Sort(ids)
	return ids, sizes, total
}

// scanContainer reads every record of a container in order and calls fn
// for each valid one. A corrupt record is reported to bad and the scan
// resynchronises on the next valid record; a truncated tail ends the scan.
// limit is the number of bytes to read (-1 for the whole file). It returns
// the offset just past the last valid record. buf is reused between calls
// (nil is fine); records passed to fn alias it and are valid only during
// the call. With verify false, records reach fn unchecked (the caller
// calls Verify on those it keeps); a damaged one may then be skipped or
// mis-framed, which the caller must detect (compaction counts live
// records).
func scanContainer(path string, limit int64, buf *[]byte, verify bool, fn func(*Record) error, bad func(ScanProblem)) (end int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	size := st.Size()
	if limit >= 0 && limit < size {
		size = limit
	}
	if buf == nil {
		buf = new([]byte)
	}
	w := window{f: f, size: size, buf: buf}
	if cap(*buf) < scanWindow {
		*buf = make([]byte, scanWindow)
	}
	hdr, err := w.at(0, containerHeaderSize)
	if err != nil {
		return 0, err
	}
	if len(hdr) < containerHeaderSize {
		bad(ScanProblem{path, 0, fmt.Errorf("%w: short header", ErrBadContainer)})
		return 0, nil
	}
	if _, err := parseContainerHeader(hdr); err != nil {
		bad(ScanProblem{path, 0, err})
		return 0, nil
	}
	off := int64(containerHeaderSize)
	end = off
	for off < size {
		if hb, err := w.at(off, recordHeaderSize); err == nil && zeroHeader(hb) {
			break // the zero fill of an active container: the end of its data
		}
		rec, rerr := w.record(off, verify)
		if rerr == nil {
			if err := fn(rec); err != nil {
				return end, err
			}
			off += rec.size()
			end = off
			continue
		}
		var ioErr *readError
		if errors.As(rerr, &ioErr) {
			return end, ioErr.err
		}
		bad(ScanProblem{path, off, rerr})
		next, ok := resync(f, off+1, size)
		if !ok {
			break
		}
		off = next
	}
	return end, nil
}

// window is a sliding view of the first size bytes of a file.
type window struct {
	f    *os.File
	size int64
	buf  *[]byte
	base int64 // file offset of data[0]
	data []byte
	rec  Record // the record last parsed
}

// readError is a failed read, as opposed to bad bytes.
type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }

// at returns up to n bytes at off (fewer only at the end of the file),
// refilling the window when they are not all in it.
func (w *window) at(off int64, n int) ([]byte, error) {
	if off >= w.base && off+int64(n) <= w.base+int64(len(w.data)) {
		return w.data[off-w.base : off-w.base+int64(n)], nil
	}
	want := max(n, scanWindow)
	if cap(*w.buf) < want {
		*w.buf = make([]byte, want)
	}
	want = int(min(int64(want), w.size-off))
	data := (*w.buf)[:want]
	got, err := w.f.ReadAt(data, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, &readError{err}
	}
	w.base, w.data = off, data[:got]
	return w.data[:min(n, got)], nil
}

// record parses the record at off, verified if verify is set, into the
// window's own record, valid until the next call.
func (w *window) record(off int64, verify bool) (*Record, error) {
	hb, err := w.at(off, recordHeaderSize)
	if err != nil {
		return nil, err
	}
	if len(hb) < recordHeaderSize {
		return nil, io.ErrUnexpectedEOF
	}
	h, err := parseRecordHeader(hb)
	if err != nil {
		return nil, err
	}
	n := int64(recordHeaderSize) + int64(h.MetaLen) + int64(h.BodyLen)
	if n > w.size-off {
		return nil, io.ErrUnexpectedEOF
	}
	data, err := w.at(off, int(n))
	if err != nil {
		return nil, err
	}
	if err := parseRecordInto(data, off, &w.rec); err != nil {
		return nil, err
	}
	if verify {
		if err := w.rec.Verify(); err != nil {
			return nil, err
		}
	}
	return &w.rec, nil
}

// resync finds the next offset at or after from where a valid record starts.
func resync(f *os.File, from, size int64) (int64, bool) {
	buf := make([]byte, 1<<20)
	for pos := from; pos < size; {
		n, _ := f.ReadAt(buf, pos)
		if n < len(recordMagic) {
			return 0, false
		}
		chunk := buf[:n]
		for i := 0; ; i++ {
			j := bytes.Index(chunk[i:], []byte(recordMagic))
			if j < 0 {
				break
			}
			i += j
			at := pos + int64(i)
			if _, err := readRecord(io.NewSectionReader(f, at, size-at), at, size-at); err == nil {
				return at, true
			}
		}
		pos += int64(n - len(recordMagic) + 1)
	}
	return 0, false
}
