package store

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestSelectViewMatchesStates checks SelectView against States, the full
// copy it replaces at SELECT, as the mailbox changes.
func TestSelectViewMatchesStates(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, Options{})
	const a = "a@example.org"
	mb, err := s.CreateMailbox(ctx, a, "INBOX", MailboxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	check := func(step string, maxKeywords int) SelectView {
		t.Helper()
		v, err := s.SelectView(mb.ID, maxKeywords)
		if err != nil {
			t.Fatalf("%s: SelectView: %v", step, err)
		}
		states, err := s.States(mb.ID)
		if err != nil {
			t.Fatal(err)
		}
		var want SelectView
		kw := map[string]bool{}
		for i, st := range states {
			want.UIDs = append(want.UIDs, st.UID)
			if want.FirstUnseen == 0 && st.Flags&FlagSeen == 0 {
				want.FirstUnseen = uint32(i + 1)
			}
			want.MaxModSeq = max(want.MaxModSeq, st.ModSeq)
			for _, k := range st.Keywords {
				kw[k] = true
			}
		}
		if !slices.Equal(v.UIDs, want.UIDs) || v.FirstUnseen != want.FirstUnseen || v.MaxModSeq != want.MaxModSeq {
			t.Errorf("%s: SelectView = %d UIDs %v first unseen %d modseq %d, want %v %d %d",
				step, len(v.UIDs), v.UIDs, v.FirstUnseen, v.MaxModSeq, want.UIDs, want.FirstUnseen, want.MaxModSeq)
		}
		if len(v.Keywords) > maxKeywords || !slices.IsSorted(v.Keywords) {
			t.Errorf("%s: keywords %v over the limit %d or unsorted", step, v.Keywords, maxKeywords)
		}
		for _, k := range v.Keywords {
			if !kw[k] {
				t.Errorf("%s: keyword %q is on no message", step, k)
			}
		}
		if len(kw) <= maxKeywords && len(v.Keywords) != len(kw) {
			t.Errorf("%s: keywords %v, want all of %v", step, v.Keywords, kw)
		}
		return v
	}
	if v := check("empty", 10); len(v.UIDs) != 0 || v.FirstUnseen != 0 || v.MaxModSeq != 0 {
		t.Errorf("empty mailbox: %+v", v)
	}
	var uids []uint32
	for i := range 6 {
		p, err := s.Append(ctx, a, "INBOX", testMessage(i, 200), FlagSeen, nil, time.Time{}, Quota{})
		if err != nil {
			t.Fatal(err)
		}
		uids = append(uids, p.UID)
	}
	if v := check("all seen", 10); v.FirstUnseen != 0 {
		t.Errorf("all seen: first unseen %d", v.FirstUnseen)
	}
	if _, _, err := s.StoreFlags(ctx, mb.ID, uids[3:5], FlagsRemove, FlagSeen, []string{"x"}, 0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.StoreFlags(ctx, mb.ID, uids[1:2], FlagsAdd, 0, []string{"k1", "k2", "k3"}, 0); err != nil {
		t.Fatal(err)
	}
	before := check("flags changed", 10)
	if before.FirstUnseen != 4 || len(before.Keywords) != 3 {
		t.Errorf("flags changed: first unseen %d keywords %v, want 4 and [k1 k2 k3]", before.FirstUnseen, before.Keywords)
	}
	check("keywords bounded", 2)
	check("no keywords", 0)
	if _, err := s.Remove(ctx, mb.ID, uids[:4]); err != nil {
		t.Fatal(err)
	}
	after := check("expunged", 10)
	if after.FirstUnseen != 1 || len(after.UIDs) != 2 {
		t.Errorf("expunged: %+v", after)
	}
	if _, err := s.SelectView(MailboxID(9999), 1); err == nil {
		t.Error("SelectView of a mailbox that does not exist: no error")
	}
}
