package store

import (
	"slices"
)

// SelectView is what an IMAP SELECT needs of a mailbox, taken from the hot
// cache in one pass without copying each message's state.
type SelectView struct {
	// UIDs are the mailbox's UIDs in order (a copy the caller owns).
	UIDs []uint32
	// FirstUnseen is the index plus one of the first message without
	// \Seen, 0 if every message has it.
	FirstUnseen uint32
	// MaxModSeq is the highest MODSEQ of the messages, 0 if there are
	// none: every change published after the view was taken has a higher
	// one (MODSEQs of a mailbox only grow).
	MaxModSeq uint64
	// Keywords are the distinct keywords the messages carry, sorted, at
	// most the limit SelectView was given.
	Keywords []string
}

// SelectView returns the UIDs of a mailbox and what SELECT reports of its
// flags; maxKeywords bounds Keywords (0 means none are collected).
func (s *Store) SelectView(mb MailboxID, maxKeywords int) (SelectView, error) {
	h, err := s.hot(mb)
	if err != nil {
		return SelectView{}, err
	}
	defer h.mu.RUnlock()
	v := SelectView{UIDs: slices.Clone(h.uids)}
	for i, f := range h.flags {
		if f&FlagSeen == 0 {
			v.FirstUnseen = uint32(i + 1)
			break
		}
	}
	for _, m := range h.modseqs {
		v.MaxModSeq = max(v.MaxModSeq, m)
	}
	if maxKeywords > 0 && len(h.keywords) > 0 {
		seen := make(map[string]bool)
		for _, kws := range h.keywords {
			for _, k := range kws {
				if len(seen) >= maxKeywords {
					break
				}
				seen[k] = true
			}
		}
		for k := range seen {
			v.Keywords = append(v.Keywords, k)
		}
		slices.Sort(v.Keywords)
	}
	return v, nil
}
