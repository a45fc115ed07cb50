package imapserver

import (
	"bufio"
	"bytes"
	"errors"
	"net"
	"reflect"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/internal/imapwire"
)

// newTestDecoder decodes s as the rest of a command line.
func newTestDecoder(s string) *imapwire.Decoder {
	return imapwire.NewDecoder(bufio.NewReader(strings.NewReader(s+"\r\n")), imapwire.ConnSideServer)
}

// isClientError reports whether err is answered with BAD.
func isClientError(err error) bool {
	var imapErr *imap.Error
	var decErr *imapwire.DecoderExpectError
	if errors.As(err, &imapErr) {
		return imapErr.Type == imap.StatusResponseTypeBad
	}
	return errors.As(err, &decErr)
}

func TestReadFetchModifiers(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64 // 0: an error is expected
	}{
		{"(CHANGEDSINCE 12)", 12},
		{"(changedsince 9223372036854775807)", 9223372036854775807},
		{"(CHANGEDSINCE 0)", 0},
		{"(CHANGEDSINCE x)", 0},
		{"(CHANGEDSINCE)", 0},
		{"(CHANGEDSINCE 1", 0},
		{"(CHANGEDSINCE 99999999999999999999)", 0},
		{"(BOGUS)", 0},
		{"()", 0},
		{"CHANGEDSINCE 1", 0},
	} {
		var options imap.FetchOptions
		err := readFetchModifiers(newTestDecoder(tc.in), &options)
		if tc.want == 0 {
			if !isClientError(err) {
				t.Errorf("readFetchModifiers(%q) = %v, want a client error", tc.in, err)
			}
			continue
		}
		if err != nil || options.ChangedSince != tc.want || !options.ModSeq {
			t.Errorf("readFetchModifiers(%q) = %v, %+v, want CHANGEDSINCE %v and MODSEQ", tc.in, err, options, tc.want)
		}
	}
}

func TestReadStoreModifiers(t *testing.T) {
	for _, tc := range []struct {
		in      string
		isList  bool
		want    uint64
		wantErr bool
	}{
		{"(UNCHANGEDSINCE 7) +FLAGS", true, 7, false},
		{"(unchangedsince 1) FLAGS", true, 1, false},
		{"+FLAGS (\\Seen)", false, 0, false},
		{"(UNCHANGEDSINCE 0) +FLAGS", true, 0, false},
		{"(UNCHANGEDSINCE) +FLAGS", true, 0, true},
		{"(UNCHANGEDSINCE x) +FLAGS", true, 0, true},
		{"(UNCHANGEDSINCE 5 +FLAGS", true, 0, true},
		{"(FOO 5) +FLAGS", true, 0, true},
		{"() +FLAGS", true, 0, true},
	} {
		var options imap.StoreOptions
		isList, err := readStoreModifiers(newTestDecoder(tc.in), &options)
		if tc.wantErr {
			if !isClientError(err) {
				t.Errorf("readStoreModifiers(%q) = %v, want a client error", tc.in, err)
			}
			continue
		}
		if err != nil || isList != tc.isList || options.UnchangedSince != tc.want || options.HasUnchangedSince != tc.isList {
			t.Errorf("readStoreModifiers(%q) = %v, %v, %+v, want %v, UNCHANGEDSINCE %v", tc.in, isList, err, options, tc.isList, tc.want)
		}
	}
}

func TestReadSelectParams(t *testing.T) {
	for _, tc := range []struct {
		in      string
		wantErr bool
	}{
		{"(CONDSTORE)", false},
		{"(condstore)", false},
		{"(CONDSTORE CONDSTORE)", false},
		{"()", true},
		{"(BOGUS)", true},
		{"(CONDSTORE", true},
		{"CONDSTORE", true},
	} {
		var options imap.SelectOptions
		err := readSelectParams(newTestDecoder(tc.in), &options)
		if tc.wantErr {
			if !isClientError(err) {
				t.Errorf("readSelectParams(%q) = %v, want a client error", tc.in, err)
			}
			continue
		}
		if err != nil || !options.CondStore {
			t.Errorf("readSelectParams(%q) = %v, %+v, want CondStore", tc.in, err, options)
		}
	}
}

func TestReadSearchKeyModSeq(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want *imap.SearchCriteria // nil: an error is expected
	}{
		{"MODSEQ 5", &imap.SearchCriteria{ModSeq: &imap.SearchCriteriaModSeq{ModSeq: 5}}},
		{"MODSEQ 0", &imap.SearchCriteria{ModSeq: &imap.SearchCriteriaModSeq{ModSeq: 0}}},
		{`MODSEQ "/flags/\\draft" all 620162338`, &imap.SearchCriteria{ModSeq: &imap.SearchCriteriaModSeq{
			ModSeq: 620162338, MetadataName: `/flags/\draft`, MetadataType: imap.SearchCriteriaMetadataAll}}},
		{`modseq "/flags/$x" PRIV 3`, &imap.SearchCriteria{ModSeq: &imap.SearchCriteriaModSeq{
			ModSeq: 3, MetadataName: "/flags/$x", MetadataType: imap.SearchCriteriaMetadataPrivate}}},
		{"(MODSEQ 4 MODSEQ 9 MODSEQ 2)", &imap.SearchCriteria{ModSeq: &imap.SearchCriteriaModSeq{ModSeq: 9}}},
		{"NOT MODSEQ 4", &imap.SearchCriteria{Not: []imap.SearchCriteria{{ModSeq: &imap.SearchCriteriaModSeq{ModSeq: 4}}}}},
		{"MODSEQ", nil},
		{"MODSEQ x", nil},
		{`MODSEQ "/flags/\\seen" 5`, nil},
		{`MODSEQ "/flags/\\seen" bogus 5`, nil},
		{`MODSEQ "/flags/\\seen" shared`, nil},
	} {
		var criteria imap.SearchCriteria
		err := readSearchKey(&criteria, newTestDecoder(tc.in))
		if tc.want == nil {
			if err == nil {
				t.Errorf("readSearchKey(%q) = %+v, want an error", tc.in, criteria)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(&criteria, tc.want) {
			t.Errorf("readSearchKey(%q) = %v, %+v, want %+v", tc.in, err, criteria, tc.want)
		}
		if !searchCriteriaHasModSeq(&criteria) {
			t.Errorf("searchCriteriaHasModSeq(%q) = false", tc.in)
		}
	}
	or := imap.SearchCriteria{Or: [][2]imap.SearchCriteria{{{}, {ModSeq: &imap.SearchCriteriaModSeq{ModSeq: 1}}}}}
	if !searchCriteriaHasModSeq(&or) || searchCriteriaHasModSeq(&imap.SearchCriteria{Larger: 3}) {
		t.Errorf("searchCriteriaHasModSeq misses OR or finds MODSEQ where there is none")
	}
}

func TestReadStatusHighestModSeq(t *testing.T) {
	var options imap.StatusOptions
	if err := readStatusItem(newTestDecoder("highestmodseq"), &options); err != nil || !options.HighestModSeq {
		t.Errorf("readStatusItem(HIGHESTMODSEQ) = %v, %+v", err, options)
	}
}

// testConn is a Conn whose responses go to the returned buffer once
// flushed; the pipe only takes write deadlines.
func testConn(t *testing.T, caps imap.CapSet) (*Conn, *bytes.Buffer) {
	p1, p2 := net.Pipe()
	t.Cleanup(func() { p1.Close(); p2.Close() })
	var buf bytes.Buffer
	c := &Conn{
		conn:    p1,
		server:  &Server{options: Options{Caps: caps}},
		bw:      bufio.NewWriter(&buf),
		enabled: make(imap.CapSet),
	}
	return c, &buf
}

func flushed(t *testing.T, c *Conn, buf *bytes.Buffer) string {
	t.Helper()
	if err := c.bw.Flush(); err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	buf.Reset()
	return s
}

var condStoreCaps = imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapCondStore: {}}

func TestCondStoreResponses(t *testing.T) {
	c, buf := testConn(t, condStoreCaps)

	rw := (&FetchWriter{conn: c}).CreateMessage(3)
	rw.WriteUID(7)
	rw.WriteModSeq(624140003)
	if err := rw.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := flushed(t, c, buf), "* 3 FETCH (UID 7 MODSEQ (624140003))\r\n"; got != want {
		t.Errorf("FETCH MODSEQ = %q, want %q", got, want)
	}

	for _, tc := range []struct {
		set    imap.NumSet
		modSeq uint64
		want   string
	}{
		{imap.SeqSetNum(2, 5, 6), 917162500, "* SEARCH 2 5 6 (MODSEQ 917162500)\r\n"},
		{imap.UIDSetNum(9), 3, "* SEARCH 9 (MODSEQ 3)\r\n"},
		{imap.SeqSet{}, 3, "* SEARCH\r\n"},
		{imap.SeqSetNum(1), 0, "* SEARCH 1\r\n"},
	} {
		if err := c.writeSearch(tc.set, tc.modSeq); err != nil {
			t.Fatal(err)
		}
		if got := flushed(t, c, buf); got != tc.want {
			t.Errorf("writeSearch(%v, %v) = %q, want %q", tc.set, tc.modSeq, got, tc.want)
		}
	}

	data := &imap.SearchData{All: imap.SeqSetNum(1, 2, 3), Count: 3, ModSeq: 42}
	if err := c.writeESearch("A1", data, &imap.SearchOptions{ReturnAll: true, ReturnCount: true}, NumKindSeq); err != nil {
		t.Fatal(err)
	}
	if got, want := flushed(t, c, buf), "* ESEARCH (TAG \"A1\") ALL 1:3 COUNT 3 MODSEQ 42\r\n"; got != want {
		t.Errorf("ESEARCH = %q, want %q", got, want)
	}

	status := &imap.StatusData{Mailbox: "INBOX", HighestModSeq: 7011231777}
	if err := c.writeStatus(status, &imap.StatusOptions{HighestModSeq: true}); err != nil {
		t.Fatal(err)
	}
	if got, want := flushed(t, c, buf), "* STATUS INBOX (HIGHESTMODSEQ 7011231777)\r\n"; got != want {
		t.Errorf("STATUS = %q, want %q", got, want)
	}

	for modSeq, want := range map[uint64]string{
		715194045007: "* OK [HIGHESTMODSEQ 715194045007] Highest mod-sequence\r\n",
		0:            "* OK [NOMODSEQ] No permanent mod-sequences\r\n",
	} {
		if err := c.writeHighestModSeq(modSeq); err != nil {
			t.Fatal(err)
		}
		if got := flushed(t, c, buf); got != want {
			t.Errorf("writeHighestModSeq(%v) = %q, want %q", modSeq, got, want)
		}
	}

	if got, want := ModifiedError(imap.SeqSetNum(7, 9)), "MODIFIED 7,9"; string(got.Code) != want || got.Type != imap.StatusResponseTypeOK {
		t.Errorf("ModifiedError = %+v, want OK [%v]", got, want)
	}
}

func TestWriteMessageFlagsModSeq(t *testing.T) {
	c, buf := testConn(t, condStoreCaps)
	w := &UpdateWriter{conn: c}
	flags := []imap.Flag{imap.FlagSeen}
	if err := w.WriteMessageFlagsModSeq(1, 4, flags, 12); err != nil {
		t.Fatal(err)
	}
	if got, want := flushed(t, c, buf), "* 1 FETCH (UID 4 FLAGS (\\Seen))\r\n"; got != want {
		t.Errorf("before CONDSTORE is enabled: %q, want %q", got, want)
	}
	if err := c.enableCondStore(); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteMessageFlagsModSeq(1, 4, flags, 12); err != nil {
		t.Fatal(err)
	}
	if got, want := flushed(t, c, buf), "* 1 FETCH (UID 4 FLAGS (\\Seen) MODSEQ (12))\r\n"; got != want {
		t.Errorf("once CONDSTORE is enabled: %q, want %q", got, want)
	}

	plain, _ := testConn(t, imap.CapSet{imap.CapIMAP4rev1: {}})
	if err := plain.enableCondStore(); !isClientError(err) {
		t.Errorf("enableCondStore without the capability = %v, want BAD", err)
	}
	if plain.condStoreEnabled() {
		t.Errorf("CONDSTORE enabled on a server that does not advertise it")
	}
}

func TestSearchCriteriaAndModSeq(t *testing.T) {
	var c imap.SearchCriteria
	c.And(&imap.SearchCriteria{ModSeq: &imap.SearchCriteriaModSeq{ModSeq: 5}})
	c.And(&imap.SearchCriteria{ModSeq: &imap.SearchCriteriaModSeq{ModSeq: 3}})
	c.And(&imap.SearchCriteria{Larger: 1})
	if c.ModSeq == nil || c.ModSeq.ModSeq != 5 {
		t.Errorf("And of MODSEQ 5 and 3 = %+v, want 5", c.ModSeq)
	}
}

// FuzzCondStoreModifiers feeds the CONDSTORE parsers arbitrary input: they
// must not panic, and what they accept must be well-formed.
func FuzzCondStoreModifiers(f *testing.F) {
	for _, s := range []string{
		"(CHANGEDSINCE 12)", "(UNCHANGEDSINCE 7) +FLAGS", "(CONDSTORE)",
		`MODSEQ "/flags/\\draft" all 620162338`, "MODSEQ 5", "(CHANGEDSINCE", "()",
		"(QRESYNC (67890007 20050715194045000 41,43:211,214:541))",
		"(QRESYNC (67890007 90060115194045000 1:29997 (5000,7500,9000,9990:9999 15000,22500,27000,29970,29973,29976,29979,29982,29985,29988,29991,29994,29997)))",
		"(CHANGEDSINCE 12 VANISHED)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var fetch imap.FetchOptions
		if err := readFetchModifiers(newTestDecoder(s), &fetch); err == nil && !fetch.Vanished && (fetch.ChangedSince == 0 || !fetch.ModSeq) {
			t.Errorf("readFetchModifiers(%q) accepted %+v", s, fetch)
		}
		var store imap.StoreOptions
		if isList, err := readStoreModifiers(newTestDecoder(s), &store); err == nil && isList != store.HasUnchangedSince {
			t.Errorf("readStoreModifiers(%q) accepted a list without UNCHANGEDSINCE", s)
		}
		var sel imap.SelectOptions
		if err := readSelectParams(newTestDecoder(s), &sel); err == nil && !sel.CondStore && sel.QResync == nil {
			t.Errorf("readSelectParams(%q) accepted %+v", s, sel)
		}
		var criteria imap.SearchCriteria
		_ = readSearchKey(&criteria, newTestDecoder(s))
	})
}
