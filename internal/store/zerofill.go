package store

import (
	"bytes"

	"golang.org/x/sys/unix"
)

// The active container is filled with zeros ahead of its appends, in the
// background. A write into bytes that already exist does not change the
// file's size, so its fdatasync flushes data only; a write that grows the
// file makes fdatasync commit the file system's journal too (measured
// here: 8 KiB appends with fdatasync ran 40-50% faster into zeroed
// bytes). PostgreSQL zero-fills its WAL segments for the same reason.
// The zeros are cut when the container stops being active (closeActive),
// and by recover after a crash; a scan takes an all-zero record header as
// the end of the data.
//
// The zeros cost as many bytes written again as the records that later
// replace them, while what they save is per fdatasync. With large groups
// (many deliveries at once) the extra bytes cost more than they save:
// measured here with 64 concurrent 8 KiB appends, 19-23k/s with zeros
// and 24-27k/s without. So zeros are laid ahead only while the groups
// are small on average (zeroMaxGroup); one appender alone still gains.
// At 16 appenders (groups of about 128 KiB) a 64 KiB bound ran at
// 14.4-14.7k/s, 128 KiB at 10.3-13.8k/s, zeros always at 12.9-14.0k/s.
const (
	zeroChunk    = 16 << 20 // bytes zeroed at a time, at most
	zeroAhead    = 8 << 20  // start the next chunk when less is left
	zeroMaxGroup = 64 << 10 // lay zeros only while the mean group is smaller
)

// zeroFill is one background fill of [from, to) of a container.
type zeroFill struct {
	to   int64
	done chan struct{}
	err  error
}

// waitZeros waits for the fill under way, if any, and takes its result.
func (a *activeContainer) waitZeros() {
	z := a.filling
	if z == nil {
		return
	}
	<-z.done
	a.filling = nil
	if z.err == nil {
		a.zeroed = max(a.zeroed, z.to)
	} else {
		a.zeroErr = z.err
	}
}

// beforeWrite makes sure a write ending at end does not overlap a fill
// still under way: a fill runs past the written end only.
func (a *activeContainer) beforeWrite(end int64) {
	if z := a.filling; z != nil {
		select {
		case <-z.done:
			a.waitZeros()
		default:
			if end > a.zeroed {
				a.waitZeros()
			}
		}
	}
}

// afterWrite records a group written from a.size (not yet advanced) to
// end and starts the next fill when the zeros ahead run short and groups
// are small.
func (a *activeContainer) afterWrite(end, limit int64) {
	a.meanGroup += (end - a.size - a.meanGroup) / 8
	a.zeroed = max(a.zeroed, end)
	if a.filling != nil || a.zeroErr != nil || a.zeroed >= limit || a.zeroed-end >= zeroAhead || a.meanGroup >= zeroMaxGroup {
		return
	}
	from := a.zeroed
	// The chunks grow with the file: the first groups of a new container
	// would otherwise wait for a whole chunk of zeros to be written.
	chunk := min(zeroChunk, max(1<<20, from))
	z := &zeroFill{to: min(limit, from+chunk), done: make(chan struct{})}
	a.filling = z
	go func(fd int) {
		defer close(z.done)
		buf := make([]byte, 1<<20)
		for off := from; off < z.to && z.err == nil; off += int64(len(buf)) {
			n := min(int64(len(buf)), z.to-off)
			z.err = pwritevAll(fd, [][]byte{buf[:n]}, off)
		}
		if z.err == nil {
			z.err = unix.Fdatasync(fd)
		}
	}(int(a.f.Fd()))
}

// dropZeros ends filling and cuts the zeros past the acknowledged end, so
// that a container that is no longer active is exactly its records.
func (a *activeContainer) dropZeros() error {
	a.waitZeros()
	if a.zeroed <= a.size {
		return nil
	}
	a.zeroed = a.size
	return a.f.Truncate(a.size)
}

// endMark is an all-zero record header: a scan ends at it. It is where
// zero-filled bytes begin, never the start of a record (which begins with
// its magic); compaction writes one after the records of a recycled file.
var endMark [recordHeaderSize]byte

// zeroHeader reports an endMark at the start of b.
func zeroHeader(b []byte) bool {
	return len(b) >= recordHeaderSize && bytes.Equal(b[:recordHeaderSize], endMark[:])
}
