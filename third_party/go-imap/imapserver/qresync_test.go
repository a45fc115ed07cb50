package imapserver

import (
	"reflect"
	"testing"

	"github.com/emersion/go-imap/v2"
)

func TestReadSelectQResync(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want *imap.SelectQResyncParams // nil: an error is expected
	}{
		{"(QRESYNC (67890007 20050715194045000))", &imap.SelectQResyncParams{UIDValidity: 67890007, ModSeq: 20050715194045000}},
		{"(QRESYNC (67890007 20050715194045000 41,43:211,214:541))", &imap.SelectQResyncParams{
			UIDValidity: 67890007, ModSeq: 20050715194045000,
			KnownUIDs: imap.UIDSet{{Start: 41, Stop: 41}, {Start: 43, Stop: 211}, {Start: 214, Stop: 541}}}},
		{"(qresync (1 2 1:9 (1,5 3,9)))", &imap.SelectQResyncParams{
			UIDValidity: 1, ModSeq: 2, KnownUIDs: imap.UIDSet{{Start: 1, Stop: 9}},
			SeqMatchSeqs: imap.SeqSet{{Start: 1, Stop: 1}, {Start: 5, Stop: 5}},
			SeqMatchUIDs: imap.UIDSet{{Start: 3, Stop: 3}, {Start: 9, Stop: 9}}}},
		{"(QRESYNC (1 2 (1 3)))", &imap.SelectQResyncParams{
			UIDValidity: 1, ModSeq: 2,
			SeqMatchSeqs: imap.SeqSet{{Start: 1, Stop: 1}}, SeqMatchUIDs: imap.UIDSet{{Start: 3, Stop: 3}}}},
		{"(QRESYNC (0 2))", nil},
		{"(QRESYNC (1 0))", nil},
		{"(QRESYNC)", nil},
		{"(QRESYNC (1))", nil},
		{"(QRESYNC (1 1 1:*))", nil},
		{"(QRESYNC (1 1 1:6 (1:* 1:6)))", nil},
		{"(QRESYNC (1 1 1:6 (1:6 1:*)))", nil},
		{"(QRESYNC (1 1) QRESYNC (1 1))", nil},
		{"(QRESYNC (1 1 x))", nil},
		{"(QRESYNC (1 1 ($ 1)))", nil},
		{"(QRESYNC (1 1 $))", nil},
		{"(QRESYNC (1 1 1:3 (1 $)))", nil},
	} {
		var options imap.SelectOptions
		err := readSelectParams(newTestDecoder(tc.in), &options)
		if tc.want == nil {
			if !isClientError(err) {
				t.Errorf("readSelectParams(%q) = %v, %+v, want a client error", tc.in, err, options.QResync)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(options.QResync, tc.want) {
			t.Errorf("readSelectParams(%q) = %v, %+v, want %+v", tc.in, err, options.QResync, tc.want)
		}
	}
}

func TestReadFetchVanished(t *testing.T) {
	var options imap.FetchOptions
	if err := readFetchModifiers(newTestDecoder("(CHANGEDSINCE 12 VANISHED)"), &options); err != nil || !options.Vanished || options.ChangedSince != 12 {
		t.Errorf("readFetchModifiers(CHANGEDSINCE 12 VANISHED) = %v, %+v", err, options)
	}
}

var qresyncCaps = imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapCondStore: {}, imap.CapQResync: {}}

func TestVanishedResponses(t *testing.T) {
	c, buf := testConn(t, qresyncCaps)
	uids := imap.UIDSet{{Start: 41, Stop: 41}, {Start: 43, Stop: 116}}
	if err := (&FetchWriter{conn: c}).WriteVanishedEarlier(uids); err != nil {
		t.Fatal(err)
	}
	if got, want := flushed(t, c, buf), "* VANISHED (EARLIER) 41,43:116\r\n"; got != want {
		t.Errorf("WriteVanishedEarlier = %q, want %q", got, want)
	}
	if err := (&FetchWriter{conn: c}).WriteVanishedEarlier(nil); err != nil || flushed(t, c, buf) != "" {
		t.Errorf("WriteVanishedEarlier of nothing wrote something")
	}

	// EXPUNGE until QRESYNC is enabled, VANISHED after.
	for _, w := range []func(uint32, imap.UID) error{
		(&ExpungeWriter{conn: c}).WriteExpungeUID,
		(&MoveWriter{conn: c}).WriteExpungeUID,
		(&UpdateWriter{conn: c, allowExpunge: true}).WriteExpungeUID,
	} {
		c.mutex.Lock()
		delete(c.enabled, imap.CapQResync)
		c.mutex.Unlock()
		if err := w(3, 17); err != nil {
			t.Fatal(err)
		}
		if got, want := flushed(t, c, buf), "* 3 EXPUNGE\r\n"; got != want {
			t.Errorf("before QRESYNC: %q, want %q", got, want)
		}
		c.mutex.Lock()
		c.enabled[imap.CapQResync] = struct{}{}
		c.mutex.Unlock()
		if err := w(3, 17); err != nil {
			t.Fatal(err)
		}
		if got, want := flushed(t, c, buf), "* VANISHED 17\r\n"; got != want {
			t.Errorf("after ENABLE QRESYNC: %q, want %q", got, want)
		}
	}
	if err := (&UpdateWriter{conn: c}).WriteExpungeUID(3, 17); err == nil {
		t.Errorf("WriteExpungeUID where EXPUNGE is not allowed succeeded")
	}
	if err := (&ExpungeWriter{}).WriteExpungeUID(3, 17); err != nil {
		t.Errorf("WriteExpungeUID without a connection (CLOSE) = %v", err)
	}
}
