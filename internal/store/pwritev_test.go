package store

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestPwritevAllManyVectors writes more vectors than one call takes, of
// varied sizes (empty ones included), at an offset, and reads them back.
func TestPwritevAllManyVectors(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "v"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var bufs [][]byte
	var want bytes.Buffer
	for i := range 2500 {
		b := bytes.Repeat([]byte{byte(i)}, i%37)
		bufs = append(bufs, b)
		want.Write(b)
	}
	if err := pwritevAll(int(f.Fd()), bufs, 100); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, want.Len())
	if _, err := f.ReadAt(got, 100); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatal("bytes read back differ from those written")
	}
}
