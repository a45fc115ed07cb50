package queue

import (
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"

	"github.com/axmail/axmail/internal/durable"
)

// Message files are <id>.msg; a file being written is <id>.tmp.
const (
	msgSuffix = ".msg"
	tmpSuffix = ".tmp"
)

// writeFile writes a message file durably: temp file, fsync, rename,
// fsync of the directory. When it returns nil the message survives a
// crash; on error nothing is left under the final name.
func writeFile(dir, id string, head, body []byte) (err error) {
	tmp := filepath.Join(dir, id+tmpSuffix)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(head); err != nil {
		return err
	}
	if _, err = f.Write(body); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, filepath.Join(dir, id+msgSuffix)); err != nil {
		return err
	}
	if err = durable.SyncDir(dir); err != nil {
		// The rename may or may not survive a crash: the message is not
		// acknowledged, so take it back.
		os.Remove(filepath.Join(dir, id+msgSuffix))
		return err
	}
	return nil
}

// readHead reads and checks a message file's header and envelope and
// returns the envelope bytes. The file must be exactly as long as the
// header says, so a truncated or extended file is refused before anything
// of its announced size is allocated.
func readHead(f *os.File) (header, []byte, error) {
	st, err := f.Stat()
	if err != nil {
		return header{}, nil, err
	}
	hb := make([]byte, headerSize)
	if _, err := io.ReadFull(f, hb); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return header{}, nil, corruptf("%d bytes, shorter than a header", st.Size())
		}
		return header{}, nil, err
	}
	h, err := parseHeader(hb)
	if err != nil {
		return header{}, nil, err
	}
	if h.total() != st.Size() {
		return header{}, nil, corruptf("header says %d bytes, file has %d", h.total(), st.Size())
	}
	env := make([]byte, h.envLen)
	if _, err := io.ReadFull(f, env); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return header{}, nil, corruptf("envelope cut short")
		}
		return header{}, nil, err
	}
	return h, env, nil
}

// loadFile reads a message file's metadata and verifies its checksum by
// streaming the body through it, never holding the body in memory.
func loadFile(path string) (Message, error) {
	f, err := os.Open(path)
	if err != nil {
		return Message{}, err
	}
	defer f.Close()
	h, env, err := readHead(f)
	if err != nil {
		return Message{}, err
	}
	sum := crc32.New(castagnoli)
	sum.Write(env)
	n, err := io.Copy(sum, io.LimitReader(f, int64(h.bodyLen)))
	if err != nil {
		return Message{}, err
	}
	if n != int64(h.bodyLen) {
		return Message{}, corruptf("body cut short")
	}
	if got := sum.Sum32(); got != h.crc {
		return Message{}, corruptf("checksum %08x, want %08x", got, h.crc)
	}
	m, err := decodeEnvelope(env)
	if err != nil {
		return Message{}, err
	}
	m.Size = int64(h.bodyLen)
	return m, nil
}

// bodyReader reads a message body and checks the file's checksum when it
// reaches the end, so a body damaged since Open is an error, not data.
type bodyReader struct {
	f    *os.File
	r    io.Reader
	sum  hash.Hash32
	want uint32
	left int64
}

// openBody opens the body of the message file at path.
func openBody(path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	h, env, err := readHead(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	sum := crc32.New(castagnoli)
	sum.Write(env)
	return &bodyReader{f: f, r: f, sum: sum, want: h.crc, left: int64(h.bodyLen)}, nil
}

func (b *bodyReader) Read(p []byte) (int, error) {
	if b.left == 0 {
		if got := b.sum.Sum32(); got != b.want {
			return 0, fmt.Errorf("%s: %w: checksum %08x, want %08x", b.f.Name(), ErrCorrupt, got, b.want)
		}
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.sum.Write(p[:n])
	b.left -= int64(n)
	if errors.Is(err, io.EOF) {
		if b.left > 0 {
			return n, fmt.Errorf("%s: %w: body cut short", b.f.Name(), ErrCorrupt)
		}
		err = nil
	}
	return n, err
}

func (b *bodyReader) Close() error { return b.f.Close() }
