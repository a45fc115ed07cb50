package imapd

import (
	"slices"

	"github.com/emersion/go-imap/v2"
)

// resolve turns a sequence or UID set into indexes of the view, ascending
// and unique. "*" is the last message (RFC 9051 §9, seq-number). A
// sequence number beyond the view is a client bug (BAD); UIDs that are
// not in the view are ignored, as RFC 9051 §6.4.9 says.
func (sel *selected) resolve(set imap.NumSet) ([]int, error) {
	var idx []int
	switch s := set.(type) {
	case imap.SeqSet:
		n := uint32(len(sel.uids))
		for _, r := range s {
			if r.Start > n || r.Stop > n {
				return nil, errBadSeqSet
			}
			start, stop := star(r.Start, n), star(r.Stop, n)
			if start > stop {
				start, stop = stop, start
			}
			if start == 0 {
				continue // "*" of an empty mailbox
			}
			for i := start; i <= stop; i++ {
				idx = append(idx, int(i-1))
			}
		}
	case imap.UIDSet:
		if imap.IsSearchRes(s) {
			// "$", the saved result of SEARCH RETURN (SAVE) (RFC 5182).
			for _, uid := range sel.saved {
				if i := sel.seqOf(uid); i >= 0 {
					idx = append(idx, i)
				}
			}
			break
		}
		last := sel.lastUID()
		for _, r := range s {
			start, stop := star(uint32(r.Start), last), star(uint32(r.Stop), last)
			if start > stop {
				start, stop = stop, start
			}
			i, _ := slices.BinarySearch(sel.uids, start)
			for ; i < len(sel.uids) && sel.uids[i] <= stop; i++ {
				idx = append(idx, i)
			}
		}
	default:
		return nil, errBadSeqSet
	}
	slices.Sort(idx)
	return slices.Compact(idx), nil
}

// star replaces "*" (0) with the largest number.
func star(n, largest uint32) uint32 {
	if n == 0 {
		return largest
	}
	return n
}

// uidsOf returns the UIDs at the given view indexes.
func (sel *selected) uidsOf(idx []int) []uint32 {
	uids := make([]uint32, len(idx))
	for i, j := range idx {
		uids[i] = sel.uids[j]
	}
	return uids
}
