package daemon

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/axmail/axmail/internal/mailtest"
)

// Real mail clients against a real axd (issue 5): mbsync (isync) keeps a
// local Maildir in step with the account in both directions, and
// fetchmail retrieves over IMAP and POP3. Every comparison is of message
// bytes: what SMTP delivered, what the server holds (read with imaplib
// BODY.PEEK[] and poplib RETR), and what the client wrote to disk.

// clientsConfig serves SMTP for delivery, IMAP and POP3 with STARTTLS on
// the generated self-signed certificate, named after hostname.
const clientsConfig = `
hostname: mail.example.org
listeners:
  smtp: {listen: "127.0.0.1:0"}
  imap: {listen: "127.0.0.1:0"}
  pop3: {listen: "127.0.0.1:0"}
`

// runClient runs a client with HOME in a temporary directory, so that
// nothing of the user's own configuration is read or written.
func runClient(t *testing.T, home, path string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), "HOME="+home, "FETCHMAILHOME="+home, "LC_ALL=C.UTF-8")
	cmd.Dir = home
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil && cmd.ProcessState == nil {
		t.Fatalf("run %s: %v", path, err)
	}
	return out.String(), errb.String(), cmd.ProcessState.ExitCode()
}

// testMessage is a message as submitted over SMTP (CRLF line ends).
type testMessage struct {
	name string
	raw  []byte
}

// clientMessages returns messages that exercise the clients: plain,
// 8-bit UTF-8 text, lines starting with dots (one a lone "."), a
// medium one and a multi-megabyte one.
func clientMessages(rcpt string) []testMessage {
	head := func(subject string, extra ...string) string {
		h := "From: Sender <sender@remote.test>\r\nTo: " + rcpt + "\r\nSubject: " + subject +
			"\r\nMessage-ID: <" + subject + "@clients.test>\r\nDate: Sun, 29 Nov 2026 01:00:00 +0000\r\n"
		for _, e := range extra {
			h += e + "\r\n"
		}
		return h + "\r\n"
	}
	var medium, big strings.Builder
	for i := range 1200 {
		fmt.Fprintf(&medium, "medium line %05d %s\r\n", i, strings.Repeat(string(rune('a'+i%26)), 40))
	}
	for i := 0; big.Len() < 2<<20; i++ {
		fmt.Fprintf(&big, "%07d %s\r\n", i, strings.Repeat(string(rune('A'+i%26)), 68))
	}
	return []testMessage{
		{"small", []byte(head("small") + "hello\r\n")},
		{"8bit", []byte(head("8bit", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit") +
			"Grüße aus Köln, ½ € and 日本語のテキスト.\r\nÇa va très bien.\r\n")},
		{"dots", []byte(head("dots") + ".leading dot\r\n..two dots\r\n.\r\n . space then dot\r\nlast\r\n")},
		{"medium", []byte(head("medium") + medium.String())},
		{"big", []byte(head("big") + big.String())},
	}
}

// writeMessages writes each message to a file for the Python sender and
// returns the paths.
func writeMessages(t *testing.T, msgs []testMessage) []string {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for _, m := range msgs {
		p := filepath.Join(dir, m.name+".eml")
		if err := os.WriteFile(p, m.raw, 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

// sendFilesScript sends each file as one message over SMTP, declaring
// 8BITMIME when the server offers it; smtplib dot-stuffs the data.
const sendFilesScript = `
import json, smtplib, sys
host, port, rcpts, files = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(","), sys.argv[4:]
out = {"refused": {}}
with smtplib.SMTP(host, port, local_hostname="py.example.net", timeout=30) as s:
    s.ehlo()
    opts = ["BODY=8BITMIME"] if s.has_extn("8bitmime") else []
    out["8bitmime"] = bool(opts)
    for f in files:
        with open(f, "rb") as fh:
            data = fh.read()
        for k, v in s.sendmail("sender@remote.test", rcpts, data, mail_options=opts).items():
            out["refused"][k] = v[0]
print(json.dumps(out))
`

func deliverFiles(t *testing.T, d *mailtest.Daemon, rcpts []string, files []string) {
	t.Helper()
	var r struct {
		Refused  map[string]int
		EightBit bool `json:"8bitmime"`
	}
	python3(t, sendFilesScript, append(append(hostPort(d.Addr(t, "smtp")), strings.Join(rcpts, ",")), files...), &r)
	if len(r.Refused) != 0 || !r.EightBit {
		t.Fatalf("SMTP delivery: refused %v, 8BITMIME offered %v; want none refused and 8BITMIME", r.Refused, r.EightBit)
	}
}

// imapOpsScript runs a list of operations over one IMAP session (with
// STARTTLS) and prints one result per operation. Mailbox names are UTF-8
// on the command line and in the output; the script speaks modified
// UTF-7 (RFC 3501 §5.1.3) on the wire, as imaplib leaves that to its
// caller.
const imapOpsScript = `
import base64, imaplib, json, re, ssl, sys
host, port, user, password, ops = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], json.loads(sys.argv[5])

def mutf7(s):
    out, buf = [], []
    def flush():
        if buf:
            b = base64.b64encode("".join(buf).encode("utf-16-be")).decode().rstrip("=").replace("/", ",")
            out.append("&" + b + "-")
            buf.clear()
    for c in s:
        if 0x20 <= ord(c) <= 0x7e:
            flush()
            out.append("&-" if c == "&" else c)
        else:
            buf.append(c)
    flush()
    return "".join(out)

def unmutf7(s):
    out, i = [], 0
    while i < len(s):
        if s[i] == "&":
            j = s.index("-", i)
            if j == i + 1:
                out.append("&")
            else:
                b = s[i+1:j].replace(",", "/")
                out.append(base64.b64decode(b + "=" * (-len(b) % 4)).decode("utf-16-be"))
            i = j + 1
        else:
            out.append(s[i])
            i += 1
    return "".join(out)

def q(name):
    return '"' + mutf7(name).replace("\\", "\\\\").replace('"', '\\"') + '"'

def check(res, what):
    typ, data = res
    if typ != "OK":
        raise SystemExit("%s: %s %r" % (what, typ, data))
    return data

def select(name):
    return int(check(m.select(q(name)), "select " + name)[0])

def find(box, marker):
    # The UID of the one message whose Subject is marker.
    select(box)
    data = check(m.uid("SEARCH", "HEADER", "Subject", '"' + marker + '"'), "search")
    uids = data[0].split()
    if len(uids) != 1:
        raise SystemExit("search %s in %s: %r" % (marker, box, uids))
    return uids[0].decode()

LIST_RE = re.compile(rb'\((?P<attrs>[^)]*)\) (?:NIL|"(?:[^"\\]|\\.)") (?P<name>.*)$')

def dump():
    boxes = {}
    for line in check(m.list('""', '"*"'), "list"):
        mt = LIST_RE.match(line)
        if not mt:
            raise SystemExit("LIST line %r" % line)
        if b"\\noselect" in mt.group("attrs").lower():
            continue
        name = mt.group("name").decode()
        if name.startswith('"'):
            name = name[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        name = unmutf7(name)
        msgs = []
        if select(name) > 0:
            for item in check(m.uid("FETCH", "1:*", "(FLAGS)"), "fetch flags"):
                mt2 = re.search(rb"UID (\d+)", item)
                flags = re.search(rb"FLAGS \(([^)]*)\)", item).group(1).decode().split()
                uid = mt2.group(1).decode()
                body = check(m.uid("FETCH", uid, "(BODY.PEEK[])"), "fetch body")
                msgs.append({"uid": int(uid), "flags": flags, "body": base64.b64encode(body[0][1]).decode()})
        boxes[name] = msgs
    return boxes

m = imaplib.IMAP4(host, port, timeout=30)
m.starttls(ssl_context=ssl._create_unverified_context())
check(m.login(user, password), "login")
out = []
for op in ops:
    kind = op["op"]
    if kind == "create":
        check(m.create(q(op["mailbox"])), "create")
        out.append(None)
    elif kind == "append":
        with open(op["file"], "rb") as fh:
            data = fh.read()
        check(m.append(q(op["mailbox"]), op.get("flags"), None, data), "append")
        out.append(None)
    elif kind == "flag":
        uid = find(op["mailbox"], op["subject"])
        check(m.uid("STORE", uid, "+FLAGS", "(" + op["flags"] + ")"), "store")
        out.append(None)
    elif kind == "expunge":
        uid = find(op["mailbox"], op["subject"])
        check(m.uid("STORE", uid, "+FLAGS", "(\\Deleted)"), "store deleted")
        check(m.expunge(), "expunge")
        out.append(None)
    elif kind == "dump":
        out.append(dump())
    else:
        raise SystemExit("unknown op " + kind)
m.logout()
print(json.dumps(out))
`

// serverMessage is one message as the server holds it.
type serverMessage struct {
	UID   uint32
	Flags []string
	Body  []byte // base64 in the script's JSON
}

// imapOp is one operation of imapOpsScript.
type imapOp struct {
	Op      string `json:"op"`
	Mailbox string `json:"mailbox,omitempty"`
	File    string `json:"file,omitempty"`
	Flags   string `json:"flags,omitempty"`
	Subject string `json:"subject,omitempty"`
}

// imapOps runs ops for user and returns the dumps they asked for, in
// order.
func imapOps(t *testing.T, d *mailtest.Daemon, user, password string, ops ...imapOp) []map[string][]serverMessage {
	t.Helper()
	b, err := json.Marshal(ops)
	if err != nil {
		t.Fatal(err)
	}
	var results []json.RawMessage
	python3(t, imapOpsScript, append(hostPort(d.Addr(t, "imap")), user, password, string(b)), &results)
	var dumps []map[string][]serverMessage
	for i, r := range results {
		if ops[i].Op != "dump" {
			continue
		}
		var m map[string][]serverMessage
		if err := json.Unmarshal(r, &m); err != nil {
			t.Fatalf("dump: %v", err)
		}
		dumps = append(dumps, m)
	}
	return dumps
}

// imapDump returns every selectable mailbox of user with its messages.
func imapDump(t *testing.T, d *mailtest.Daemon, user, password string) map[string][]serverMessage {
	t.Helper()
	return imapOps(t, d, user, password, imapOp{Op: "dump"})[0]
}

// traceHeaders reports whether b is nothing but trace header fields, the
// only thing the server may put before the bytes a client sent.
func traceHeaders(b []byte) bool {
	for _, line := range strings.SplitAfter(string(b), "\r\n") {
		switch {
		case line == "":
		case line[0] == ' ' || line[0] == '\t':
		case strings.HasPrefix(strings.ToLower(line), "received:"),
			strings.HasPrefix(strings.ToLower(line), "return-path:"),
			strings.HasPrefix(strings.ToLower(line), "delivered-to:"):
		default:
			return false
		}
	}
	return true
}

// checkDelivered checks that the server holds each sent message exactly,
// after trace header fields it may prepend, and returns the server's
// bytes of each by name.
func checkDelivered(t *testing.T, held []serverMessage, sent []testMessage) map[string][]byte {
	t.Helper()
	got := map[string][]byte{}
	for _, s := range sent {
		for _, h := range held {
			if bytes.HasSuffix(h.Body, s.raw) && traceHeaders(h.Body[:len(h.Body)-len(s.raw)]) {
				got[s.name] = h.Body
			}
		}
		if got[s.name] == nil {
			t.Errorf("the server holds no exact copy of message %q (%d bytes) behind trace headers", s.name, len(s.raw))
		}
	}
	if len(held) != len(sent) {
		t.Errorf("the server holds %d messages, want the %d sent", len(held), len(sent))
	}
	return got
}

// toLF turns CRLF line ends into LF, as mbsync and fetchmail do when
// they write local files; toCRLF is the reverse, as mbsync uploads.
func toLF(b []byte) []byte   { return bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")) }
func toCRLF(b []byte) []byte { return bytes.ReplaceAll(toLF(b), []byte("\n"), []byte("\r\n")) }

// subjectOf returns the Subject field of a message, for messages.
func subjectOf(b []byte) string {
	for _, line := range strings.Split(string(toLF(b)), "\n") {
		if line == "" {
			break
		}
		if v, ok := strings.CutPrefix(line, "Subject: "); ok {
			return v
		}
	}
	return ""
}

// certFingerprintMD5 returns the fingerprint fetchmail's sslfingerprint
// takes: MD5 over the certificate's DER, upper-case hex with colons.
func certFingerprintMD5(t *testing.T, certFile string) string {
	t.Helper()
	b, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatalf("%s: no PEM block", certFile)
	}
	return strings.ReplaceAll(fmt.Sprintf("% X", md5.Sum(blk.Bytes)), " ", ":")
}

// writePrivate writes a file only its owner may read, as clients demand
// of files holding passwords.
func writePrivate(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// firstDiff describes where got first differs from want.
func firstDiff(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	return fmt.Sprintf("%d bytes, want %d; first difference at %d: %q, want %q",
		len(got), len(want), i, got[i:min(len(got), i+60)], want[i:min(len(want), i+60)])
}

// maildirMessage is one message file of a Maildir folder.
type maildirMessage struct {
	Path  string
	Flags string // the letters after ":2,"
	Body  []byte
}

// readMaildirs returns every Maildir folder under root (a directory with
// cur/, keyed by its path relative to root, decoded from the modified
// UTF-7 that isync 1.4 keeps in folder names) and its messages, from
// new/ and cur/.
func readMaildirs(t *testing.T, root string) map[string][]maildirMessage {
	t.Helper()
	folders := map[string][]maildirMessage{}
	err := filepath.WalkDir(root, func(p string, e os.DirEntry, err error) error {
		if err != nil || !e.IsDir() {
			return err
		}
		if _, err := os.Stat(filepath.Join(p, "cur")); err != nil {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		msgs := []maildirMessage{}
		for _, sub := range []string{"new", "cur"} {
			entries, err := os.ReadDir(filepath.Join(p, sub))
			if err != nil {
				return err
			}
			for _, f := range entries {
				path := filepath.Join(p, sub, f.Name())
				b, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				_, flags, _ := strings.Cut(f.Name(), ":2,")
				msgs = append(msgs, maildirMessage{Path: path, Flags: flags, Body: b})
			}
		}
		name, err := decodeMUTF7(filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		folders[name] = msgs
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return folders
}

// decodeMUTF7 decodes an IMAP modified UTF-7 name (RFC 3501 §5.1.3).
func decodeMUTF7(s string) (string, error) {
	var out strings.Builder
	for {
		i := strings.IndexByte(s, '&')
		if i < 0 {
			out.WriteString(s)
			return out.String(), nil
		}
		out.WriteString(s[:i])
		j := strings.IndexByte(s[i:], '-')
		if j < 0 {
			return "", fmt.Errorf("modified UTF-7 %q: unterminated shift", s)
		}
		enc := s[i+1 : i+j]
		s = s[i+j+1:]
		if enc == "" {
			out.WriteByte('&')
			continue
		}
		b, err := base64.RawStdEncoding.DecodeString(strings.ReplaceAll(enc, ",", "/"))
		if err != nil || len(b)%2 != 0 {
			return "", fmt.Errorf("modified UTF-7 %q: bad base64 %q", s, enc)
		}
		u := make([]uint16, len(b)/2)
		for k := range u {
			u[k] = uint16(b[2*k])<<8 | uint16(b[2*k+1])
		}
		out.WriteString(string(utf16.Decode(u)))
	}
}

// stripTUID removes the X-TUID header field isync 1.4 writes at the end
// of the header of every message it propagates (its own bookkeeping, to
// find a stored message again), so that the rest can be compared byte
// for byte. The field is its fixed 12-character form or nothing is
// removed.
func stripTUID(b []byte) []byte {
	end := bytes.Index(b, []byte("\n\n"))
	if end < 0 {
		return b
	}
	i := bytes.Index(b[:end+1], []byte("\nX-TUID: "))
	if i < 0 || end-i != len("\nX-TUID: ")+12 {
		return b
	}
	return append(slices.Clone(b[:i]), b[end:]...)
}

// maildirFlag maps the system flags mbsync syncs to Maildir info letters.
var maildirFlag = map[string]string{`\Draft`: "D", `\Flagged`: "F", `\Answered`: "R", `\Seen`: "S", `\Deleted`: "T"}

// wantMaildirFlags returns the Maildir letters for IMAP flags, in the
// alphabetical order Maildir requires.
func wantMaildirFlags(flags []string) string {
	var letters []string
	for _, f := range flags {
		if l, ok := maildirFlag[f]; ok {
			letters = append(letters, l)
		}
	}
	slices.Sort(letters)
	return strings.Join(letters, "")
}

// compareMirror checks that the Maildir mirrors the server: the same
// folders, in each the same messages (server bytes with LF line ends,
// isync's X-TUID field aside on either side) and the same flags.
func compareMirror(t *testing.T, step string, local map[string][]maildirMessage, server map[string][]serverMessage) {
	t.Helper()
	for name := range server {
		if _, ok := local[name]; !ok {
			t.Errorf("%s: server mailbox %q has no local Maildir folder (local: %v)", step, name, slices.Sorted(maps.Keys(local)))
		}
	}
	for name, lm := range local {
		sm, ok := server[name]
		if !ok {
			t.Errorf("%s: local folder %q is not on the server (server: %v)", step, name, slices.Sorted(maps.Keys(server)))
			continue
		}
		if len(lm) != len(sm) {
			t.Errorf("%s: %q holds %d messages locally, %d on the server", step, name, len(lm), len(sm))
		}
		for _, s := range sm {
			want := stripTUID(toLF(s.Body))
			i := slices.IndexFunc(lm, func(l maildirMessage) bool { return bytes.Equal(stripTUID(l.Body), want) })
			if i < 0 {
				t.Errorf("%s: %q: server message UID %d (%q, %d bytes) has no identical local copy", step, name, s.UID, subjectOf(s.Body), len(s.Body))
				continue
			}
			if got, w := lm[i].Flags, wantMaildirFlags(s.Flags); got != w {
				t.Errorf("%s: %q: message %q has Maildir flags %q, server flags %v (want %q)", step, name, subjectOf(s.Body), got, s.Flags, w)
			}
		}
	}
}

// findLocal returns the local message of folder whose Subject is subject.
func findLocal(t *testing.T, local map[string][]maildirMessage, folder, subject string) maildirMessage {
	t.Helper()
	for _, m := range local[folder] {
		if subjectOf(m.Body) == subject {
			return m
		}
	}
	t.Fatalf("no local message %q in %q", subject, folder)
	return maildirMessage{}
}

// findServer returns the server message of mailbox whose Subject is
// subject, and whether there is one.
func findServer(server map[string][]serverMessage, mailbox, subject string) (serverMessage, bool) {
	for _, m := range server[mailbox] {
		if subjectOf(m.Body) == subject {
			return m, true
		}
	}
	return serverMessage{}, false
}

// mbsyncConfig is an isync 1.4 configuration: the password is in this
// 0600 file, never on argv; the server's own certificate is trusted as a
// host certificate, the system store not at all.
const mbsyncConfig = `IMAPAccount axd
Host %s
Port %s
User %s
Pass "%s"
SSLType STARTTLS
SystemCertificates no
CertificateFile %s
Timeout 30

IMAPStore axd-remote
Account axd

MaildirStore local
Path %s/
Inbox %s/INBOX
SubFolders Verbatim

Channel axd
Far :axd-remote:
Near :local:
Patterns *
Create Both
Expunge Both
SyncState *
`

// mbsync runs one full sync and fails the test unless it exits 0 with
// nothing on stderr.
func mbsync(t *testing.T, path, home, config, step string) {
	t.Helper()
	out, errOut, code := runClient(t, home, path, "-c", config, "-a")
	if code != 0 || errOut != "" {
		t.Fatalf("%s: mbsync -a exited %d\nstdout:\n%s\nstderr:\n%s", step, code, out, errOut)
	}
}

// mbsync keeps a Maildir in step with an axd account: the first sync
// pulls every message byte for byte (LF line ends, as mbsync stores
// them), including a mailbox with a non-ASCII name; local changes (a
// flag, a new message, a deletion) reach the server; server changes (a
// flag, an APPEND, an EXPUNGE) reach the Maildir.
func TestMbsyncRoundTrip(t *testing.T) {
	t.Parallel()
	mbsyncPath := mailtest.Tool(t, "mbsync", "isync")
	d := mailtest.Start(t, mailtest.Options{Config: clientsConfig})
	if _, errOut, code := mailtest.Run(t, "", "axctl", "--socket", d.Socket, "domain", "add", "example.org"); code != 0 {
		t.Fatalf("domain add: %s", errOut)
	}
	const user, password = "alice@example.org", `wonder"land\7`
	addUser(t, d, user, password)

	sent := clientMessages(user)
	deliverFiles(t, d, []string{user}, writeMessages(t, sent))
	// A mailbox with a non-ASCII name, '&' and a hierarchy, holding one
	// message, made over IMAP.
	const intl = "Réunions/Café & Thé 日本"
	extra := []testMessage{{"intl", []byte("From: a@remote.test\r\nSubject: intl\r\n\r\nIn a folder named " + intl + "\r\n")}}
	dumps := imapOps(t, d, user, password,
		imapOp{Op: "create", Mailbox: intl},
		imapOp{Op: "append", Mailbox: intl, File: writeMessages(t, extra)[0]},
		imapOp{Op: "dump"})
	server := dumps[0]
	checkDelivered(t, server["INBOX"], sent)
	if got := server[intl]; len(got) != 1 || !bytes.Equal(got[0].Body, extra[0].raw) {
		t.Fatalf("mailbox %q after APPEND: %+v, want the one message appended", intl, got)
	}

	home := t.TempDir()
	maildir := t.TempDir()
	config := filepath.Join(home, "mbsyncrc")
	host, port := hostPort(d.Addr(t, "imap"))[0], hostPort(d.Addr(t, "imap"))[1]
	escaped := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(password)
	writePrivate(t, config, fmt.Sprintf(mbsyncConfig, host, port, user, escaped,
		filepath.Join(d.DataDir, "tls", "selfsigned.crt"), maildir, maildir))

	// 1. Pull everything.
	mbsync(t, mbsyncPath, home, config, "first sync")
	local := readMaildirs(t, maildir)
	compareMirror(t, "first sync", local, server)
	if t.Failed() {
		t.FailNow()
	}

	// 2. Change the Maildir: mark "small" seen (moved to cur/ with the S
	// info flag, as a Maildir reader does), add a message to the
	// non-ASCII folder, delete "medium".
	small := findLocal(t, local, "INBOX", "small")
	base, _, _ := strings.Cut(filepath.Base(small.Path), ":2,")
	if err := os.Rename(small.Path, filepath.Join(maildir, "INBOX", "cur", base+":2,"+wantMaildirFlags([]string{`\Seen`})+small.Flags)); err != nil {
		t.Fatal(err)
	}
	added := []byte("From: me@example.org\nTo: " + user + "\nSubject: local new\n\nWritten into the Maildir: ünïcödé.\n.dot line\n")
	// The folder's directory, named as mbsync named it.
	intlDir := filepath.Dir(filepath.Dir(findLocal(t, local, intl, "intl").Path))
	tmp := filepath.Join(intlDir, "tmp", "1764378000.axtest.local")
	if err := os.WriteFile(tmp, added, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(intlDir, "new", "1764378000.axtest.local")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(findLocal(t, local, "INBOX", "medium").Path); err != nil {
		t.Fatal(err)
	}
	mbsync(t, mbsyncPath, home, config, "push sync")
	server = imapDump(t, d, user, password)
	if m, ok := findServer(server, "INBOX", "small"); !ok || !slices.Contains(m.Flags, `\Seen`) {
		t.Errorf("push: server INBOX small = %v, %v; want it \\Seen", ok, m.Flags)
	}
	// The server holds it with CRLF line ends, as mbsync uploads it, and
	// mbsync's X-TUID field.
	if m, ok := findServer(server, intl, "local new"); !ok || !bytes.Equal(m.Body, toCRLF(m.Body)) || !bytes.Equal(stripTUID(toLF(m.Body)), added) {
		t.Errorf("push: server %q has the new local message: %v, bytes %q; want %q with CRLF and an X-TUID field", intl, ok, m.Body, added)
	}
	if _, ok := findServer(server, "INBOX", "medium"); ok {
		t.Errorf("push: the message deleted locally is still in the server's INBOX")
	}
	if n := len(server["INBOX"]); n != len(sent)-1 {
		t.Errorf("push: server INBOX holds %d messages, want %d", n, len(sent)-1)
	}
	compareMirror(t, "push sync", readMaildirs(t, maildir), server)

	// 3. Change the server: flag "8bit", append to INBOX, expunge "dots".
	appended := []testMessage{{"server new", []byte("From: b@remote.test\r\nSubject: server new\r\n\r\nAppended on the server.\r\n")}}
	server = imapOps(t, d, user, password,
		imapOp{Op: "flag", Mailbox: "INBOX", Subject: "8bit", Flags: `\Flagged`},
		imapOp{Op: "append", Mailbox: "INBOX", File: writeMessages(t, appended)[0]},
		imapOp{Op: "expunge", Mailbox: "INBOX", Subject: "dots"},
		imapOp{Op: "dump"})[0]
	mbsync(t, mbsyncPath, home, config, "pull sync")
	local = readMaildirs(t, maildir)
	if m := findLocal(t, local, "INBOX", "8bit"); !strings.Contains(m.Flags, "F") {
		t.Errorf("pull: local 8bit has Maildir flags %q, want F", m.Flags)
	}
	if m := findLocal(t, local, "INBOX", "server new"); !bytes.Equal(stripTUID(m.Body), toLF(appended[0].raw)) {
		t.Errorf("pull: local copy of the appended message is %q, want %q", m.Body, toLF(appended[0].raw))
	}
	for _, m := range local["INBOX"] {
		if subjectOf(m.Body) == "dots" {
			t.Errorf("pull: the message expunged on the server is still in the Maildir: %s", m.Path)
		}
	}
	compareMirror(t, "pull sync", local, server)

	// 4. With nothing changed, a sync changes nothing on either side.
	before := messages(t, d, user)
	mbsync(t, mbsyncPath, home, config, "idle sync")
	if after := messages(t, d, user); after != before {
		t.Errorf("idle sync: the account went from %d to %d messages", before, after)
	}
	again := readMaildirs(t, maildir)
	for name, msgs := range local {
		var was, now []string
		for _, m := range msgs {
			was = append(was, m.Path)
		}
		for _, m := range again[name] {
			now = append(now, m.Path)
		}
		slices.Sort(was)
		slices.Sort(now)
		if !slices.Equal(was, now) {
			t.Errorf("idle sync: %q changed from %v to %v", name, was, now)
		}
	}
}

// popDumpScript reads every message of a POP3 maildrop (after STLS)
// without deleting any: poplib undoes the dot-stuffing, and the lines
// are joined with CRLF as on the wire. LIST's sizes come along, to be
// checked against the bytes.
const popDumpScript = `
import base64, json, poplib, ssl, sys
host, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
p = poplib.POP3(host, port, timeout=30)
p.stls(context=ssl._create_unverified_context())
p.user(user)
p.pass_(password)
out = []
for entry in p.list()[1]:
    num, size = entry.split()
    lines = p.retr(int(num))[1]
    out.append({"size": int(size), "body": base64.b64encode(b"".join(l + b"\r\n" for l in lines)).decode()})
p.quit()
print(json.dumps(out))
`

// popMessage is one message of a POP3 maildrop.
type popMessage struct {
	Size int
	Body []byte
}

func popDump(t *testing.T, d *mailtest.Daemon, user, password string) []popMessage {
	t.Helper()
	var msgs []popMessage
	python3(t, popDumpScript, append(hostPort(d.Addr(t, "pop3")), user, password), &msgs)
	return msgs
}

// fetchmailRC polls one account with STARTTLS required (sslproto), the
// server's certificate pinned by its fingerprint (the self-signed
// certificate has no chain to verify, so sslcertck is off), no Received
// field of fetchmail's own (invisible) and no header rewriting, and
// hands each message to an MDA that writes it to its own file.
const fetchmailRC = `set no syslog
set no bouncemail
set invisible
poll %s with protocol %s port %s
  user "%s" there with password "%s"
  sslproto "TLS1.2+" no sslcertck sslfingerprint "%s"
  no rewrite
  mda "/bin/sh %s %s"
`

// saveScript is the MDA: it writes standard input to a new file of the
// directory it is given.
const saveScript = `umask 077
exec cat > "$(mktemp "$1/msg.XXXXXXXX")"
`

// fetchmail runs one poll and returns fetchmail's exit code and every
// file its MDA wrote, failing the test on any output but the warning
// fetchmail prints when run as root.
func fetchmail(t *testing.T, d *mailtest.Daemon, protocol, listener, user, password string, keep bool) (int, [][]byte) {
	t.Helper()
	path := mailtest.Tool(t, "fetchmail", "fetchmail")
	home, out := t.TempDir(), t.TempDir()
	save := filepath.Join(home, "save.sh")
	writePrivate(t, save, saveScript)
	rc := filepath.Join(home, "fetchmailrc")
	host, port := hostPort(d.Addr(t, listener))[0], hostPort(d.Addr(t, listener))[1]
	fp := certFingerprintMD5(t, filepath.Join(d.DataDir, "tls", "selfsigned.crt"))
	writePrivate(t, rc, fmt.Sprintf(fetchmailRC, host, protocol, port, user, password, fp, save, out))
	keepFlag := "--nokeep"
	if keep {
		keepFlag = "--keep"
	}
	stdout, stderr, code := runClient(t, home, path, "--fetchmailrc", rc, "--nodetach", "--silent",
		"--pidfile", filepath.Join(home, "fetchmail.pid"), "--idfile", filepath.Join(home, "fetchids"), keepFlag)
	for _, line := range strings.Split(strings.TrimSpace(stdout+stderr), "\n") {
		if line != "" && line != "fetchmail: WARNING: Running as root is discouraged." {
			t.Errorf("fetchmail %s: exit %d, unexpected output:\n%s%s", protocol, code, stdout, stderr)
			break
		}
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	var files [][]byte
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(out, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
	}
	return code, files
}

// sameMessages checks that fetchmail's files are the server's messages
// with LF line ends, one file per message.
func sameMessages(t *testing.T, step string, files [][]byte, server [][]byte) {
	t.Helper()
	if len(files) != len(server) {
		t.Errorf("%s: fetchmail delivered %d messages, the server held %d", step, len(files), len(server))
	}
	for _, s := range server {
		want := toLF(s)
		if !slices.ContainsFunc(files, func(f []byte) bool { return bytes.Equal(f, want) }) {
			t.Errorf("%s: no delivered file is identical to the server's %q (%d bytes)", step, subjectOf(s), len(s))
			for _, f := range files {
				if subjectOf(f) == subjectOf(s) {
					t.Logf("the file with that subject: %s", firstDiff(f, want))
				}
			}
		}
	}
}

// fetchmail retrieves over IMAP (keeping the messages, which the server
// then holds as \Seen so that a second poll finds nothing new) and over
// POP3 (deleting them). Every message it hands to its MDA is what the
// server holds, byte for byte but for LF line ends, and the server holds
// what SMTP delivered behind its trace fields.
func TestFetchmailIMAPAndPOP3(t *testing.T) {
	t.Parallel()
	mailtest.Tool(t, "fetchmail", "fetchmail")
	d := mailtest.Start(t, mailtest.Options{Config: clientsConfig})
	if _, errOut, code := mailtest.Run(t, "", "axctl", "--socket", d.Socket, "domain", "add", "example.org"); code != 0 {
		t.Fatalf("domain add: %s", errOut)
	}
	const imapUser, popUser, password = "carol@example.org", "bob@example.org", "fetch-me-9"
	addUser(t, d, imapUser, password)
	addUser(t, d, popUser, password)
	sent := clientMessages("undisclosed-recipients:;")
	deliverFiles(t, d, []string{imapUser, popUser}, writeMessages(t, sent))

	// IMAP, keeping the messages.
	held := imapDump(t, d, imapUser, password)["INBOX"]
	delivered := checkDelivered(t, held, sent)
	var want [][]byte
	for _, b := range delivered {
		want = append(want, b)
	}
	code, files := fetchmail(t, d, "IMAP", "imap", imapUser, password, true)
	if code != 0 {
		t.Fatalf("fetchmail IMAP --keep exited %d, want 0", code)
	}
	sameMessages(t, "IMAP", files, want)
	after := imapDump(t, d, imapUser, password)["INBOX"]
	checkDelivered(t, after, sent)
	for _, m := range after {
		if !slices.Contains(m.Flags, `\Seen`) {
			t.Errorf("IMAP --keep: %q has flags %v after fetchmail, want \\Seen", subjectOf(m.Body), m.Flags)
		}
	}
	// fetchmail's exit status 1 means "no mail": everything was seen.
	if code, files := fetchmail(t, d, "IMAP", "imap", imapUser, password, true); code != 1 || len(files) != 0 {
		t.Errorf("second fetchmail IMAP poll: exit %d with %d messages, want 1 (no mail) and none", code, len(files))
	}

	// POP3, deleting them. RETR must give what IMAP gives, and LIST the
	// exact size.
	pop := popDump(t, d, popUser, password)
	viaIMAP := checkDelivered(t, imapDump(t, d, popUser, password)["INBOX"], sent)
	want = want[:0]
	for _, m := range pop {
		if m.Size != len(m.Body) {
			t.Errorf("POP3 LIST gives %d octets for %q, RETR %d", m.Size, subjectOf(m.Body), len(m.Body))
		}
		if !bytes.Equal(m.Body, viaIMAP[subjectOf(m.Body)]) {
			t.Errorf("POP3 RETR of %q differs from IMAP BODY[] (%d and %d bytes)", subjectOf(m.Body), len(m.Body), len(viaIMAP[subjectOf(m.Body)]))
		}
		want = append(want, m.Body)
	}
	if len(pop) != len(sent) {
		t.Fatalf("POP3 maildrop holds %d messages, want %d", len(pop), len(sent))
	}
	code, files = fetchmail(t, d, "POP3", "pop3", popUser, password, false)
	if code != 0 {
		t.Fatalf("fetchmail POP3 --nokeep exited %d, want 0", code)
	}
	sameMessages(t, "POP3", files, want)
	if n := messages(t, d, popUser); n != 0 {
		t.Errorf("after fetchmail POP3 --nokeep the account holds %d messages, want 0", n)
	}
}
