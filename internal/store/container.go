package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/axmail/axmail/internal/durable"
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

// file is the path of container id in location path:
// <path>/containers/<fan-out>/<id>.axc.
func (l *layout) file(path string, id uint64) string {
	return filepath.Join(path, "containers", fmt.Sprintf("%03x", id%uint64(l.dirs)), fmt.Sprintf("%016x%s", id, containerExt))
}

// sibling is the path container id has in the location of the container
// file at path.
func (l *layout) sibling(path string, id uint64) string {
	return l.file(filepath.Dir(filepath.Dir(filepath.Dir(path))), id)
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

// createContainerFile creates a new container with its header, fsynced,
// and its directory entry fsynced.
func createContainerFile(path string, id uint64, now time.Time) (*os.File, error) {
	f, err := newContainerFile(path, id, now)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(path)
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("store: create container: %w", err)
	}
	if err := durable.SyncDir(dir); err != nil {
		f.Close()
		return nil, fmt.Errorf("store: create container: %w", err)
	}
	return f, nil
}

// newContainerFile creates a container file with its header, unsynced.
// Directories it creates on the way are durable (durable.MakeDirs).
func newContainerFile(path string, id uint64, now time.Time) (*os.File, error) {
	if err := durable.MakeDirs(filepath.Dir(path), 0o750); err != nil {
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
