package imapd

import (
	"regexp"
	"strconv"
	"testing"
)

// pythonCondStore drives CONDSTORE (RFC 7162) with imaplib from two
// sessions, A and B, and prints one JSON object of what they saw. IDLE is
// sent by hand (imaplib has no idle() before Python 3.14).
const pythonCondStore = `
import imaplib, json, sys
host, port = sys.argv[1], int(sys.argv[2])
out = {}
def s(x):
    return [v.decode() if isinstance(v, bytes) else repr(v) for v in (x or [])]
def bad(f):
    try:
        return "OK " + repr(f())
    except imaplib.IMAP4.error as e:
        return "ERROR " + str(e)
a = imaplib.IMAP4(host, port, timeout=10)
a.login("alice@example.org", "alice-pw")
out["caps"] = s(a.capability()[1])
for i in range(3):
    a.append("INBOX", None, None, ("Subject: m%d\r\n\r\nbody\r\n" % i).encode())
typ, data = a.select("INBOX")
out["select_hms"] = s(a.response("HIGHESTMODSEQ")[1])
out["fetch_plain"] = s(a.fetch("1", "(FLAGS)")[1])
out["status"] = s(a.status("INBOX", "(MESSAGES HIGHESTMODSEQ)")[1])
out["fetch_modseq"] = s(a.fetch("1:3", "(MODSEQ)")[1])
out["fetch_flags_after"] = s(a.fetch("1", "(FLAGS)")[1])
hms = int(out["select_hms"][0])
out["store"] = s(a.store("2", "+FLAGS", r"(\Flagged)")[1])
out["changedsince"] = s(a.fetch("1:*", "(FLAGS) (CHANGEDSINCE %d)" % hms)[1])
out["uid_changedsince"] = s(a.uid("FETCH", "1:*", "(FLAGS) (CHANGEDSINCE %d)" % hms)[1])
typ, data = a.store("1:3", "(UNCHANGEDSINCE %d) +FLAGS" % hms, r"(\Answered)")
out["cond_store"] = [typ] + s(data)
out["cond_store_modified"] = s(a.response("MODIFIED")[1])
typ, data = a.uid("STORE", "1:3", "(UNCHANGEDSINCE %d) +FLAGS.SILENT" % hms, r"(\Seen)")
out["uid_cond_store"] = [typ] + s(data)
out["uid_cond_store_modified"] = s(a.response("MODIFIED")[1])
out["search"] = s(a.search(None, "MODSEQ", str(hms + 1))[1])
out["search_entry"] = s(a.search(None, "MODSEQ", '"/flags/\\\\draft"', "all", str(hms + 1))[1])
a.search(None, "RETURN", "(ALL)", "MODSEQ", str(hms + 1))
out["esearch"] = s(a.response("ESEARCH")[1])
out["status_after"] = s(a.status("INBOX", "(HIGHESTMODSEQ)")[1])

b = imaplib.IMAP4(host, port, timeout=10)
b.login("alice@example.org", "alice-pw")
# imaplib checks ENABLE against the capabilities it read before login.
b.capabilities = tuple(b.capability()[1][0].decode().upper().split())
b.enable("CONDSTORE")
out["enable"] = s(b.response("ENABLED")[1])
b.select("INBOX")
bhms = int(b.response("HIGHESTMODSEQ")[1][0])
a.store("3", "+FLAGS", r"(\Draft)")
b.noop()
out["b_noop"] = s(b.response("FETCH")[1])
# B's conditional STORE races A's change of message 1.
a.store("1", "+FLAGS", r"(\Deleted)")
typ, data = b.store("1", "(UNCHANGEDSINCE %d) -FLAGS" % bhms, r"(\Deleted)")
out["race"] = [typ] + s(data)
out["race_modified"] = s(b.response("MODIFIED")[1])
b.noop()
out["b_noop_race"] = s(b.response("FETCH")[1])
# IDLE: A's change reaches B at once, with MODSEQ.
b.send(b"i1 IDLE\r\n")
out["idle_cont"] = b.readline().decode().strip()
a.store("2", "-FLAGS", r"(\Flagged)")
out["idle_push"] = b.readline().decode().strip()
b.send(b"DONE\r\n")
out["idle_done"] = b.readline().decode().strip()

out["bad_changedsince"] = bad(lambda: a.fetch("1", "(FLAGS) (CHANGEDSINCE x)"))
out["bad_unchangedsince"] = bad(lambda: a.store("1", "(UNCHANGEDSINCE) +FLAGS", r"(\Seen)"))
out["after_bad"] = s(a.fetch("1", "(UID)")[1])
a.logout()
b.logout()
print(json.dumps(out))
`

func TestPythonCondStore(t *testing.T) {
	t.Parallel()
	e := newEnv(t, Options{})
	got := runPython(t, e, pythonCondStore)
	str := func(k string) string { return jsonOf(got, k) }
	// The three appends take MODSEQs 2, 3 and 4 (a mailbox starts at 1).
	mb, err := e.st.GetMailbox(alice, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	hms := 4
	n := func(v int) string { return strconv.Itoa(v) }
	for _, c := range []struct{ key, pattern string }{
		{"caps", ` CONDSTORE`},
		{"select_hms", `^\["` + n(hms) + `"\]$`},
		{"status", `HIGHESTMODSEQ ` + n(hms) + `\)`},
		{"fetch_plain", `^\["1 \(FLAGS \(\)\)"\]$`},
		{"fetch_modseq", `^\["1 \(MODSEQ \(2\)\)","2 \(MODSEQ \(3\)\)","3 \(MODSEQ \(4\)\)"\]$`},
		{"fetch_flags_after", `^\["1 \(FLAGS \(\) MODSEQ \(2\)\)"\]$`},
		{"store", `^\["2 \(FLAGS \(\\\\Flagged\) MODSEQ \(5\)\)"\]$`},
		{"changedsince", `^\["2 \(FLAGS \(\\\\Flagged\) MODSEQ \(5\)\)"\]$`},
		{"uid_changedsince", `^\["2 \(UID 2 FLAGS \(\\\\Flagged\) MODSEQ \(5\)\)"\]$`},
		{"cond_store", `^\["OK","1 \(FLAGS \(\\\\Answered\) MODSEQ \(6\)\)","3 \(FLAGS \(\\\\Answered\) MODSEQ \(7\)\)"\]$`},
		{"cond_store_modified", `^\["2"\]$`},
		// Everything changed since hms now: all fail, nothing is sent.
		{"uid_cond_store", `^\["OK"`},
		{"uid_cond_store_modified", `^\["1:3"\]$`},
		{"search", `^\["1 2 3 \(MODSEQ 7\)"\]$`},
		{"search_entry", `^\["1 2 3 \(MODSEQ 7\)"\]$`},
		{"esearch", `ALL 1:3 MODSEQ 7"\]$`},
		{"status_after", `HIGHESTMODSEQ 7\)`},
		{"enable", `CONDSTORE`},
		{"b_noop", `^\["3 \(UID 3 FLAGS \(\\\\Answered \\\\Draft\) MODSEQ \(8\)\)"\]$`},
		{"race", `^\["OK"`},
		{"race_modified", `^\["1"\]$`},
		{"b_noop_race", `^\["1 \(UID 1 FLAGS \(\\\\Answered \\\\Deleted\) MODSEQ \(9\)\)"\]$`},
		{"idle_cont", `^"\+ `},
		{"idle_push", `^"\* 2 FETCH \(UID 2 FLAGS \(\) MODSEQ \(10\)\)"$`},
		{"idle_done", `^"i1 OK`},
		{"bad_changedsince", `^"ERROR .*BAD`},
		{"bad_unchangedsince", `^"ERROR .*BAD`},
		{"after_bad", `^\["1 \(UID 1\)"\]$`},
	} {
		if s := str(c.key); !regexp.MustCompile(c.pattern).MatchString(s) {
			t.Errorf("%s = %s, want it to match %s", c.key, s, c.pattern)
		}
	}
	if mb.HighestModSeq != 10 {
		t.Errorf("store's HIGHESTMODSEQ after the client = %d, want 10", mb.HighestModSeq)
	}
}
