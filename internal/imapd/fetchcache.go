package imapd

import (
	"cmp"
	"slices"

	"github.com/emersion/go-imap/v2"

	"github.com/axmail/axmail/internal/store"
)

// cacheFetchShare: a FETCH whose set covers at least 1/cacheFetchShare
// of the view reads the hot cache's state of the whole mailbox (one copy
// of about 40 bytes a message) rather than the index a message at a time
// (a lookup and a decoding each).
const cacheFetchShare = 16

// cacheFetch reports whether a FETCH of n messages of a view of size
// messages reads the hot cache (store.States): it asks only for what the
// cache holds (UID, FLAGS, MODSEQ) and covers enough of the mailbox.
// Body sections may set \Seen, which cacheFetch never sees: they are not
// cached items.
func cacheFetch(o *imap.FetchOptions, n, size int) bool {
	if o.Envelope || o.BodyStructure != nil || o.InternalDate || o.RFC822Size ||
		len(o.BodySection) > 0 || len(o.BinarySection) > 0 || len(o.BinarySectionSize) > 0 {
		return false
	}
	return n > 0 && n*cacheFetchShare >= size
}

// cachedInfos is infos over the hot cache: out[k] holds the UID, flags,
// keywords and MODSEQ of uids[k] (ascending), or UID 0 for one the
// mailbox no longer has. states are the mailbox's, in UID order; it
// returns those after the last of uids, for the next chunk.
func cachedInfos(dst []store.MessageInfo, uids []uint32, states []store.MessageState) ([]store.MessageInfo, []store.MessageState) {
	out := dst[:0]
	if cap(out) < len(uids) {
		out = make([]store.MessageInfo, 0, len(uids))
	}
	out = out[:len(uids)]
	clear(out)
	j := 0
	for k, uid := range uids {
		if j >= len(states) {
			break
		}
		if states[j].UID != uid {
			// Usually the next one (a dense set): look further only
			// when it is not.
			n, _ := slices.BinarySearchFunc(states[j:], uid, func(st store.MessageState, u uint32) int {
				return cmp.Compare(st.UID, u)
			})
			j += n
			if j >= len(states) || states[j].UID != uid {
				continue
			}
		}
		st := &states[j]
		out[k] = store.MessageInfo{UID: uid, Flags: st.Flags, Keywords: st.Keywords, ModSeq: st.ModSeq}
		j++
	}
	return out, states[j:]
}

// fetchFlags is imapFlags without an allocation for the common message
// without keywords: the lists of system flags are built once.
func fetchFlags(f store.Flags, keywords []string) []imap.Flag {
	if len(keywords) > 0 {
		return imapFlags(f, keywords)
	}
	k := 0
	for i, s := range systemFlags {
		if f&s.bit != 0 {
			k |= 1 << i
		}
	}
	return systemFlagLists[k]
}

// systemFlagLists holds, for each subset of systemFlags (bit i for
// systemFlags[i]), its flags in systemFlags order, as imapFlags lists
// them. It is never written after it is built.
var systemFlagLists = func() [][]imap.Flag {
	lists := make([][]imap.Flag, 1<<len(systemFlags))
	for k := range lists {
		l := []imap.Flag{}
		for i, s := range systemFlags {
			if k&(1<<i) != 0 {
				l = append(l, s.flag)
			}
		}
		lists[k] = l
	}
	return lists
}()
