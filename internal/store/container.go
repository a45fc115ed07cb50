package store

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Container header, 64 bytes:
//
//	0  magic "AXMC"   4  version (u16)   6  reserved (u16)
//	8  container id (u64)   16  created, unix nanoseconds (i64)
//	24 reserved (36 bytes)  60  CRC32C of bytes 0..60
const (
	containerMagic      = "AXMC"
	containerVersion    = 1
	containerHeaderSize = 64
	containerExt        = ".axc"
)

// ErrBadContainer is returned for a file that is not a valid container.
var ErrBadContainer = errors.New("store: not a valid container file")

func encodeContainerHeader(id uint64, created time.Time) []byte {
	b := make([]byte, containerHeaderSize)
	copy(b, containerMagic)
	binary.LittleEndian.PutUint16(b[4:], containerVersion)
	binary.LittleEndian.PutUint64(b[8:], id)
	binary.LittleEndian.PutUint64(b[16:], uint64(created.UnixNano()))
	binary.LittleEndian.PutUint32(b[60:], crc32.Checksum(b[:60], castagnoli))
	return b
}

func parseContainerHeader(b []byte) (id uint64, err error) {
	if len(b) < containerHeaderSize {
		return 0, fmt.Errorf("%w: short header", ErrBadContainer)
	}
	if string(b[:4]) != containerMagic {
		return 0, fmt.Errorf("%w: bad magic", ErrBadContainer)
	}
	if v := binary.LittleEndian.Uint16(b[4:]); v != containerVersion {
		return 0, fmt.Errorf("%w: unknown version %d", ErrBadContainer, v)
	}
	if crc32.Checksum(b[:60], castagnoli) != binary.LittleEndian.Uint32(b[60:]) {
		return 0, fmt.Errorf("%w: header checksum mismatch", ErrBadContainer)
	}
	return binary.LittleEndian.Uint64(b[8:]), nil
}

// layout maps container ids to file names over the configured locations.
type layout struct {
	paths []string // each holds a containers/ directory
	dirs  int
}

func (l *layout) file(path string, id uint64) string {
	return filepath.Join(path, "containers", fmt.Sprintf("%03x", id%uint64(l.dirs)), fmt.Sprintf("%016x%s", id, containerExt))
}

// containerIDFromName parses "<16 hex>.axc"; ok is false for other names.
func containerIDFromName(name string) (uint64, bool) {
	base, found := strings.CutSuffix(name, containerExt)
	if !found || len(base) != 16 {
		return 0, false
	}
	id, err := strconv.ParseUint(base, 16, 64)
	return id, err == nil
}

// ForeignFile is a file under a containers directory that is not named as
// a container; it is reported, never touched.
type ForeignFile struct{ Path string }

// scan lists the container files of every location. A file name that
// appears in two locations is an error: the store cannot tell which holds
// the truth.
func (l *layout) scan() (map[uint64]string, []ForeignFile, error) {
	found := make(map[uint64]string)
	var foreign []ForeignFile
	for _, p := range l.paths {
		root := filepath.Join(p, "containers")
		subs, err := os.ReadDir(root)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("store: scan %s: %w", root, err)
		}
		for _, sub := range subs {
			if !sub.IsDir() {
				foreign = append(foreign, ForeignFile{filepath.Join(root, sub.Name())})
				continue
			}
			dir := filepath.Join(root, sub.Name())
			files, err := os.ReadDir(dir)
			if err != nil {
				return nil, nil, fmt.Errorf("store: scan %s: %w", dir, err)
			}
			for _, f := range files {
				id, ok := containerIDFromName(f.Name())
				full := filepath.Join(dir, f.Name())
				if !ok || f.IsDir() || l.file(p, id) != full {
					foreign = append(foreign, ForeignFile{full})
					continue
				}
				if prev, dup := found[id]; dup {
					return nil, nil, fmt.Errorf("store: container %016x is in two places: %s and %s", id, prev, full)
				}
				found[id] = full
			}
		}
	}
	return found, foreign, nil
}

// syncDir fsyncs a directory so that a created or removed entry survives.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// createContainerFile creates a new container with its header, fsynced,
// and its directory entry fsynced.
func createContainerFile(path string, id uint64, now time.Time) (*os.File, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("store: create container: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return nil, fmt.Errorf("store: create container: %w", err)
	}
	if _, err := f.Write(encodeContainerHeader(id, now)); err != nil {
		f.Close()
		return nil, fmt.Errorf("store: create container: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("store: create container: %w", err)
	}
	if err := syncDir(dir); err != nil {
		f.Close()
		return nil, fmt.Errorf("store: create container: %w", err)
	}
	return f, nil
}

// ScanProblem is a defect found while reading a container.
type ScanProblem struct {
	Path   string
	Offset int64
	Err    error
}

func (p ScanProblem) String() string {
	return fmt.Sprintf("%s at offset %d: %v", p.Path, p.Offset, p.Err)
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
	if size < containerHeaderSize {
		bad(ScanProblem{path, 0, fmt.Errorf("%w: short header", ErrBadContainer)})
		return 0, nil
	}
	if size > maxInMemoryScan {
		return scanStreaming(f, path, size, fn, bad)
	}
	// One sequential read of the whole container, then records are parsed
	// in place: no copy per record.
	if buf == nil {
		buf = new([]byte)
	}
	if int64(cap(*buf)) < size {
		*buf = make([]byte, size)
	}
	data := (*buf)[:size]
	if _, err := f.ReadAt(data, 0); err != nil && !errors.Is(err, io.EOF) {
		return 0, err
	}
	if _, err := parseContainerHeader(data); err != nil {
		bad(ScanProblem{path, 0, err})
		return 0, nil
	}
	off := int64(containerHeaderSize)
	end = off
	parse := parseRecord
	if !verify {
		parse = parseRecordUnverified
	}
	for off < size {
		rec, rerr := parse(data[off:], off)
		if rerr == nil {
			if err := fn(rec); err != nil {
				return end, err
			}
			off += rec.size()
			end = off
			continue
		}
		bad(ScanProblem{path, off, rerr})
		next, ok := resyncInMemory(data, off+1)
		if !ok {
			break
		}
		off = next
	}
	return end, nil
}

// maxInMemoryScan is the largest container read whole; larger ones (a
// single huge message) are streamed.
const maxInMemoryScan = 512 << 20

// resyncInMemory finds the next offset at or after from where a valid
// record starts.
func resyncInMemory(data []byte, from int64) (int64, bool) {
	for pos := from; pos < int64(len(data)); {
		i := bytes.Index(data[pos:], []byte(recordMagic))
		if i < 0 {
			return 0, false
		}
		at := pos + int64(i)
		if _, err := parseRecord(data[at:], at); err == nil {
			return at, true
		}
		pos = at + 1
	}
	return 0, false
}

// scanStreaming is scanContainer for containers too large to read whole.
func scanStreaming(f *os.File, path string, size int64, fn func(*Record) error, bad func(ScanProblem)) (end int64, err error) {
	hb := make([]byte, containerHeaderSize)
	if _, err := f.ReadAt(hb, 0); err != nil {
		bad(ScanProblem{path, 0, fmt.Errorf("%w: short header", ErrBadContainer)})
		return 0, nil
	}
	if _, err := parseContainerHeader(hb); err != nil {
		bad(ScanProblem{path, 0, err})
		return 0, nil
	}
	off := int64(containerHeaderSize)
	end = off
	br := bufio.NewReaderSize(io.NewSectionReader(f, off, size-off), 1<<20)
	var scratch []byte
	for off < size {
		rec, rerr := readRecordInto(br, off, size-off, &scratch)
		if rerr == nil {
			if err := fn(rec); err != nil {
				return end, err
			}
			off += rec.size()
			end = off
			continue
		}
		if rerr == io.EOF {
			break
		}
		bad(ScanProblem{path, off, rerr})
		next, ok := resync(f, off+1, size)
		if !ok {
			break
		}
		off = next
		br.Reset(io.NewSectionReader(f, off, size-off))
	}
	return end, nil
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
		for i := 0; i+len(recordMagic) <= len(chunk); i++ {
			if string(chunk[i:i+len(recordMagic)]) != recordMagic {
				continue
			}
			at := pos + int64(i)
			if _, err := readRecord(io.NewSectionReader(f, at, size-at), at, size-at); err == nil {
				return at, true
			}
		}
		pos += int64(n - len(recordMagic) + 1)
	}
	return 0, false
}
