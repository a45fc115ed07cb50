package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// run writes half of every chunk it reads, two sources per output, and
// removes the sources unless told to keep them.
func TestRun(t *testing.T) {
	for _, tc := range []struct {
		name string
		keep bool
	}{
		{"free the sources", false},
		{"keep the sources", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			// 5 MiB + 3 bytes: a full 4 MiB chunk, then an odd tail.
			sizes := []int{5<<20 + 3, 1 << 20, 7}
			var srcs []string
			for i, n := range sizes {
				p := filepath.Join(dir, "containers", "00"+string(rune('0'+i)), "c.axc")
				if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, bytes.Repeat([]byte{byte('a' + i)}, n), 0o640); err != nil {
					t.Fatal(err)
				}
				srcs = append(srcs, p)
			}
			n, written, err := run(dir, tc.keep)
			if err != nil {
				t.Fatalf("run = %v", err)
			}
			want := int64((4<<20)/2 + (1<<20+3)/2 + (1<<20)/2 + 7/2)
			if n != len(sizes) || written != want {
				t.Fatalf("run = %d sources, %d bytes; want %d, %d", n, written, len(sizes), want)
			}
			outs, _ := filepath.Glob(filepath.Join(dir, "floor", "*"))
			var total int64
			for _, o := range outs {
				st, err := os.Stat(o)
				if err != nil {
					t.Fatal(err)
				}
				total += st.Size()
			}
			if len(outs) != 2 || total != want {
				t.Fatalf("outputs: %d files, %d bytes; want 2 files, %d bytes", len(outs), total, want)
			}
			for _, p := range srcs {
				_, err := os.Stat(p)
				if gone := os.IsNotExist(err); gone == tc.keep {
					t.Errorf("source %s: gone %v with keep %v", p, gone, tc.keep)
				}
			}
		})
	}
}

func TestRunWithoutContainers(t *testing.T) {
	if _, _, err := run(t.TempDir(), false); err == nil {
		t.Fatal("run of an empty data dir succeeded")
	}
}
