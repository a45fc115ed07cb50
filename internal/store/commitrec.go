package store

import (
	"fmt"

	"github.com/axmail/axmail/internal/binenc"
)

// commitOutcome is the meta of a KindCommit record: what the index made of
// the records of its group, so that a replay repeats it exactly instead of
// deciding again (quotas and mailboxes may have changed since).
//
//	uvarint flags          commitSynchronous
//	uvarint tombstones     tombstone records in the group
//	uvarint messages       message records in the group, in order
//	per message: uvarint placements, then one uvarint UID each (0: refused)
type commitOutcome struct {
	flags      uint64
	tombstones int
	uids       [][]uint32
}

func encodeCommit(o *commitOutcome) []byte {
	var e binenc.Encoder
	e.Uvarint(o.flags)
	e.Uvarint(uint64(o.tombstones))
	e.Uvarint(uint64(len(o.uids)))
	for _, m := range o.uids {
		e.Uvarint(uint64(len(m)))
		for _, uid := range m {
			e.Uvarint(uint64(uid))
		}
	}
	return e.B
}

func decodeCommit(b []byte) (*commitOutcome, error) {
	d := binenc.NewDecoder(b)
	o := &commitOutcome{flags: d.Uvarint()}
	o.tombstones = int(d.Uvarint())
	n := d.Count(1)
	o.uids = make([][]uint32, 0, n)
	for i := 0; i < n && d.Err() == nil; i++ {
		k := d.Count(1)
		uids := make([]uint32, 0, k)
		for j := 0; j < k && d.Err() == nil; j++ {
			v := d.Uvarint()
			if v > 0xffffffff {
				d.Fail(fmt.Errorf("uid %d out of range", v))
			}
			uids = append(uids, uint32(v))
		}
		o.uids = append(o.uids, uids)
	}
	if err := d.Finish(); err != nil {
		return nil, fmt.Errorf("%w: commit record: %v", ErrBadMeta, err)
	}
	return o, nil
}

// commitSynchronous marks a group acknowledged only after its index
// transaction committed (it created a mailbox, whose UIDVALIDITY a replay
// could not repeat): found past the index's length, it was never
// acknowledged, and a replay stops before it.
const commitSynchronous = 1

// loggedGroup is one group commit as the container holds it: enough to
// index it again, from memory after a failed index transaction or from the
// container after a crash (replay.go).
type loggedGroup struct {
	container  uint64
	start, end int64 // the group's bytes, commit record included
	messages   []loggedMessage
	tombs      []GUID
	flags      uint64
}

// loggedMessage is one message record of a group and where it went.
type loggedMessage struct {
	guid             GUID
	offset           int64
	metaLen, bodyLen uint32
	summary          []byte
	date             int64
	tz               int32
	placements       []Placement
	uids             []uint32 // per placement; 0 means not placed
}

func (m *loggedMessage) size() int64 {
	return recordHeaderSize + int64(m.metaLen) + int64(m.bodyLen)
}

// outcome is the group's commit record meta.
func (g *loggedGroup) outcome() *commitOutcome {
	o := &commitOutcome{flags: g.flags, tombstones: len(g.tombs), uids: make([][]uint32, len(g.messages))}
	for i := range g.messages {
		o.uids[i] = g.messages[i].uids
	}
	return o
}
