package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/axmail/axmail/internal/auth"
	"github.com/axmail/axmail/internal/control"
	"github.com/axmail/axmail/internal/mailtest"
)

// impConfig makes new hashes cheap: bcrypt at its lowest cost.
const impConfig = "auth:\n  scheme: bcrypt\n  bcrypt_cost: 4\n"

// startImport starts axd with cheap hashing and the generated files'
// domains.
func startImport(t *testing.T, dataDir string) *mailtest.Daemon {
	t.Helper()
	d := mailtest.Start(t, mailtest.Options{Config: impConfig, DataDir: dataDir})
	for _, dom := range impDomains {
		if _, err := d.Client().AddDomain(context.Background(), control.DomainRequest{Name: dom}); err != nil && !control.IsCode(err, control.CodeExists) {
			t.Fatal(err)
		}
	}
	return d
}

// impRun runs axctl import against the daemon with --json and decodes the
// summary when there is one.
func impRun(t *testing.T, d *mailtest.Daemon, stdin string, args ...string) (importSummary, string, int) {
	t.Helper()
	out, errOut, code := mailtest.Run(t, stdin, "axctl", append([]string{"--socket", d.Socket, "import", "--json"}, args...)...)
	var s importSummary
	if out != "" {
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatalf("import %v: bad JSON: %v\n%s\nstderr: %s", args, err, out, errOut)
		}
	}
	return s, errOut, code
}

// wantCounts checks a summary's counts and exit code.
func wantCounts(t *testing.T, what string, s importSummary, errOut string, code, wantCode, created, updated, unchanged, rejected int) {
	t.Helper()
	if code != wantCode || s.Created != created || s.Updated != updated || s.Unchanged != unchanged || s.Rejected != rejected {
		t.Fatalf("%s: exit %d, %d created, %d updated, %d unchanged, %d rejected; want exit %d, %d, %d, %d, %d\nstderr: %s",
			what, code, s.Created, s.Updated, s.Unchanged, s.Rejected, wantCode, created, updated, unchanged, rejected, errOut)
	}
}

// accounts returns every account's export row by lower-case address.
func accounts(t *testing.T, d *mailtest.Daemon) map[string]control.ExportRow {
	t.Helper()
	m := make(map[string]control.ExportRow)
	err := d.Client().Export(context.Background(), "", func(r control.ExportRow) error {
		m[strings.ToLower(r.Email)] = r
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestImportBadRows imports 10,000 rows of which a few hundred are bad in
// every way, checks the outcome of each, fixes the rejects file and
// imports it, then re-runs the original file: nothing changes.
func TestImportBadRows(t *testing.T) {
	t.Parallel()
	d := startImport(t, "")
	f := genImportFile(10000, 33)
	in := writeFile(t, "accounts.csv", f.data)
	rejects := filepath.Join(t.TempDir(), "rejects.csv")

	s, errOut, code := impRun(t, d, "", in, "--rejects", rejects)
	wantCounts(t, "first import", s, errOut, code, 2, 0+f.good, 0, 0, f.bad)
	if !s.Complete || s.Rows != f.good+f.bad || s.LastLine != f.rows[len(f.rows)-1].line || len(s.RejectedRows) != f.bad {
		t.Fatalf("summary: %+v", s)
	}
	if !strings.Contains(errOut, fmt.Sprintf("imported %s: %d created, 0 updated, 0 unchanged, %d rejected in ", in, f.good, f.bad)) {
		t.Errorf("summary line: %q", errOut)
	}
	for k := range impBadKinds {
		if f.kind[impBadKinds[k].kind] < 10 {
			t.Fatalf("only %d rows of kind %s", f.kind[impBadKinds[k].kind], impBadKinds[k].kind)
		}
	}

	// Exactly the good rows' accounts exist, with their settings.
	got := accounts(t, d)
	if len(got) != f.good {
		t.Errorf("%d accounts, want %d", len(got), f.good)
	}
	for _, r := range f.rows {
		if _, ok := got[r.key]; r.bad == nil && !ok {
			t.Fatalf("line %d: %s missing", r.line, r.key)
		}
	}
	if a := got["user00009@d4.example"]; a.PasswordHash != impHash || len(a.Aliases) != 2 || a.Quota == nil || *a.Quota != 1<<30 {
		t.Errorf("user00009 = %+v (quota %v)", a, a.Quota)
	}
	if a := got["user00000@d0.example"]; a.DisplayName != `Smith, J. "0"` || a.Quota != nil || a.Enabled != nil {
		t.Errorf("user00000 = %+v", a)
	}

	// The rejects file: 0600, every bad row once with its line and reason.
	if st, err := os.Stat(rejects); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("rejects file: %v, %v", st, err)
	}
	rows := readRejects(t, rejects)
	if len(rows) != f.bad {
		t.Fatalf("rejects file has %d rows, want %d", len(rows), f.bad)
	}
	byLine := f.byLine()
	for _, r := range rows {
		line, _ := strconv.Atoi(r["_line"])
		g, ok := byLine[line]
		if !ok || g.bad == nil {
			t.Fatalf("rejects row for line %d, not a bad row: %v", line, r)
		}
		if !strings.Contains(r["_reason"], g.bad.reason) {
			t.Errorf("line %d (%s): reason %q, want %q", line, g.bad.kind, r["_reason"], g.bad.reason)
		}
		if g.bad.kind == "duplicate" && !strings.HasSuffix(r["_reason"], fmt.Sprintf("duplicate of line %d", g.dupOf)) {
			t.Errorf("line %d: reason %q, want duplicate of line %d", line, r["_reason"], g.dupOf)
		}
		g.bad.fix(g.index, r)
		delete(byLine, line)
	}

	// Fixed, the rejects file imports whole.
	fixed := writeRejects(t, rows)
	s, errOut, code = impRun(t, d, "", fixed, "--create-domains")
	wantCounts(t, "fixed rejects", s, errOut, code, 0, f.bad, 0, 0, 0)
	if len(s.DomainsCreated) != 1 || s.DomainsCreated[0] != "nowhere.example" {
		t.Errorf("domains created: %v", s.DomainsCreated)
	}

	// The original again changes nothing: the rows of the domain created
	// since are unchanged now, the other bad rows still rejected.
	s, errOut, code = impRun(t, d, "", in, "--mode", "upsert")
	dom := f.kind["domain"]
	wantCounts(t, "re-run", s, errOut, code, 2, 0, 0, f.good+dom, f.bad-dom)
}

// readRejects reads a rejects file into rows keyed by lower-case column.
func readRejects(t *testing.T, path string) []map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("rejects file: %v", err)
	}
	head := recs[0]
	if head[len(head)-2] != "_line" || head[len(head)-1] != "_reason" {
		t.Fatalf("rejects header %q", head)
	}
	var rows []map[string]string
	for _, rec := range recs[1:] {
		if len(rec) != len(head) {
			t.Fatalf("rejects row %q has %d fields, header %d", rec, len(rec), len(head))
		}
		m := make(map[string]string)
		for i, v := range rec {
			m[strings.ToLower(strings.TrimSpace(head[i]))] = v
		}
		rows = append(rows, m)
	}
	return rows
}

// writeRejects writes rows back with the generated file's columns and
// _line, _reason.
func writeRejects(t *testing.T, rows []map[string]string) string {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	cols := []string{"email", "password_hash", "quota", "max_message_size", "display_name", "enabled", "aliases", "_note", "_line", "_reason"}
	_ = w.Write(cols)
	for _, r := range rows {
		rec := make([]string, len(cols))
		for i, c := range cols {
			rec[i] = r[c]
		}
		_ = w.Write(rec)
	}
	w.Flush()
	return writeFile(t, "fixed.csv", b.Bytes())
}

// TestImportPlaintext hashes plaintext passwords with axd's scheme and
// keeps a matching hash on a re-run, so that nothing changes.
func TestImportPlaintext(t *testing.T) {
	t.Parallel()
	d := startImport(t, "")
	var b strings.Builder
	b.WriteString("email,password\n")
	for i := range 300 {
		fmt.Fprintf(&b, "p%03d@d1.example,pw-%d\n", i, i)
	}
	file := b.String()
	s, errOut, code := impRun(t, d, file, "-", "--batch", "64")
	wantCounts(t, "first", s, errOut, code, 0, 300, 0, 0, 0)
	if s.File != "stdin" {
		t.Errorf("file = %q", s.File)
	}
	before := accounts(t, d)
	h, err := auth.NewHasher(auth.Options{Scheme: auth.SchemeBcrypt, BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 150, 299} {
		a := before[fmt.Sprintf("p%03d@d1.example", i)]
		if ok, rehash, err := h.Verify(a.PasswordHash, fmt.Appendf(nil, "pw-%d", i)); !ok || rehash || err != nil {
			t.Fatalf("p%03d: hash %q does not verify its password: %v %v %v", i, a.PasswordHash, ok, rehash, err)
		}
	}
	s, errOut, code = impRun(t, d, file, "-")
	wantCounts(t, "re-run", s, errOut, code, 0, 0, 0, 300, 0)
	if after := accounts(t, d); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatal("a re-run changed the hashes")
	}
	// One new password: upsert updates that account alone.
	changed := strings.Replace(file, "p007@d1.example,pw-7\n", "p007@d1.example,new password\n", 1)
	s, errOut, code = impRun(t, d, changed, "-", "--mode", "upsert")
	wantCounts(t, "new password", s, errOut, code, 0, 0, 1, 299, 0)
	a := accounts(t, d)["p007@d1.example"]
	if ok, _, _ := h.Verify(a.PasswordHash, []byte("new password")); !ok {
		t.Fatal("the new password does not verify")
	}
	// bcrypt refuses more than 72 bytes: that row alone is rejected.
	long := "email,password\np900@d1.example," + strings.Repeat("x", 73) + "\np901@d1.example,short\n"
	s, errOut, code = impRun(t, d, long, "-")
	wantCounts(t, "long password", s, errOut, code, 2, 1, 0, 0, 1)
	if !strings.Contains(s.RejectedRows[0].Reason, "password: auth: password too long") || strings.Contains(errOut+fmt.Sprint(s), "xxxxxxxx") {
		t.Fatalf("long password: %+v\n%s", s.RejectedRows, errOut)
	}
}

// TestImportModes covers create, upsert and update, and --dry-run.
func TestImportModes(t *testing.T) {
	t.Parallel()
	d := startImport(t, "")
	head := "email,quota,display_name\n"
	s, errOut, code := impRun(t, d, head+"a@d0.example,1G,A\nb@d0.example,,B\n", "-")
	wantCounts(t, "create", s, errOut, code, 0, 2, 0, 0, 0)

	s, errOut, code = impRun(t, d, head+"a@d0.example,2G,\nc@d0.example,,C\n", "-", "--mode", "update")
	wantCounts(t, "update", s, errOut, code, 2, 0, 1, 0, 1)
	if !strings.Contains(s.RejectedRows[0].Reason, "account does not exist") {
		t.Errorf("update of a missing account: %+v", s.RejectedRows)
	}
	s, errOut, code = impRun(t, d, head+"A@D0.example,3G,\nd@d0.example,,D\n", "-", "--mode", "upsert")
	wantCounts(t, "upsert", s, errOut, code, 0, 1, 1, 0, 0)
	s, errOut, code = impRun(t, d, head+"a@d0.example,4G,\n", "-")
	wantCounts(t, "create over a different account", s, errOut, code, 2, 0, 0, 0, 1)
	if !strings.Contains(s.RejectedRows[0].Reason, "differs") {
		t.Errorf("create over a different account: %+v", s.RejectedRows)
	}
	s, errOut, code = impRun(t, d, head+"a@d0.example,3G,A\n", "-")
	wantCounts(t, "create over the same account", s, errOut, code, 0, 0, 0, 1, 0)
	a := accounts(t, d)
	if len(a) != 3 || *a["a@d0.example"].Quota != 3<<30 || a["a@d0.example"].DisplayName != "A" {
		t.Fatalf("accounts: %+v", a)
	}

	// A dry run counts what would happen and changes nothing.
	f := genImportFile(2000, 40)
	in := writeFile(t, "dry.csv", f.data)
	rejects := filepath.Join(t.TempDir(), "rejects.csv")
	s, errOut, code = impRun(t, d, "", in, "--dry-run", "--create-domains", "--rejects", rejects, "--batch", "300")
	wantCounts(t, "dry run", s, errOut, code, 2, f.good+f.kind["domain"], 0, 0, f.bad-f.kind["domain"])
	if !s.DryRun || len(s.DomainsCreated) != 1 || len(readRejects(t, rejects)) != s.Rejected {
		t.Fatalf("dry run: %+v", s)
	}
	if after := accounts(t, d); len(after) != 3 {
		t.Fatalf("dry run created accounts: %d", len(after))
	}
	if ds, _ := d.Client().Domains(context.Background()); len(ds) != len(impDomains) {
		t.Fatalf("dry run created domains: %v", ds)
	}
	// Without rejected rows, no rejects file is left behind.
	s, errOut, code = impRun(t, d, head+"a@d0.example,3G,A\n", "-", "--rejects", rejects)
	wantCounts(t, "clean", s, errOut, code, 0, 0, 0, 1, 0)
	if _, err := os.Stat(rejects); !os.IsNotExist(err) {
		t.Fatalf("rejects file after a clean import: %v", err)
	}
}

// TestImportMaxErrors stops at the N-th rejected row: nothing after it
// is imported.
func TestImportMaxErrors(t *testing.T) {
	t.Parallel()
	d := startImport(t, "")
	var b strings.Builder
	b.WriteString("email,enabled\n")
	for i := range 20 {
		switch i {
		case 2, 4, 6, 8:
			fmt.Fprintf(&b, "m%02d@d2.example,bogus\n", i)
		case 11, 13:
			fmt.Fprintf(&b, "m%02d@unknown.example,\n", i)
		default:
			fmt.Fprintf(&b, "m%02d@d2.example,\n", i)
		}
	}
	// Rows 2, 4 and 6 (lines 4, 6, 8) are rejected here: the batch of
	// rows 4..7 stops at row 6, so row 7 is never sent.
	s, errOut, code := impRun(t, d, b.String(), "-", "--max-errors", "3", "--batch", "4")
	wantCounts(t, "max errors", s, errOut, code, 2, 4, 0, 0, 3)
	if s.Complete || s.LastLine != 8 || !strings.Contains(s.Stopped, "--max-errors") || !strings.Contains(errOut, "stopped after line 8") {
		t.Fatalf("max errors: %+v\n%s", s, errOut)
	}
	if _, ok := accounts(t, d)["m07@d2.example"]; ok {
		t.Fatal("a row after the limit was imported")
	}
	// Rejected by axd: the batch holding the limit is committed whole.
	s, errOut, code = impRun(t, d, b.String(), "-", "--max-errors", "6", "--batch", "5", "--mode", "upsert")
	wantCounts(t, "max errors from axd", s, errOut, code, 2, 5, 0, 4, 6)
	if s.LastLine != 16 {
		t.Fatalf("max errors from axd: %+v", s)
	}
	// No limit: every row.
	s, errOut, code = impRun(t, d, b.String(), "-", "--mode", "upsert")
	wantCounts(t, "no limit", s, errOut, code, 2, 5, 0, 9, 6)
}

// TestImportFileErrors: a file that cannot be read as an import is exit
// 65, naming the problem.
func TestImportFileErrors(t *testing.T) {
	t.Parallel()
	d := startImport(t, "")
	for _, c := range []struct{ name, data, want string }{
		{"empty", "", "no header row"},
		{"blank", "\r\n  \r\n", "no header row"},
		{"no email column", "password,quota\nx,1\n", "line 1: no email column"},
		{"unknown column", "email,mailbox\na@d0.example,x\n", `unknown column "mailbox"`},
		{"both passwords", "email,password,password_hash\n", "both password and password_hash"},
		{"column twice", "email,Quota,quota\n", "column quota twice"},
		{"no header", "a@d0.example,secret\n", "the first row must name the columns"},
		{"header too long", "email," + strings.Repeat("x", 70000) + "\n", "header longer than 65536 bytes"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, errOut, code := impRun(t, d, c.data, "-")
			if code != 65 || !strings.Contains(errOut, c.want) || s.File != "" {
				t.Fatalf("exit %d, %q, %+v; want 65 and %q", code, errOut, s, c.want)
			}
		})
	}
	t.Run("unreadable", func(t *testing.T) {
		for _, p := range []string{filepath.Join(t.TempDir(), "none.csv"), t.TempDir()} {
			_, errOut, code := impRun(t, d, "", p)
			if code != 65 {
				t.Fatalf("import %s: exit %d, %q; want 65", p, code, errOut)
			}
		}
	})
	t.Run("unterminated quote", func(t *testing.T) {
		data := "email,display_name\nu1@d3.example,ok\nu2@d3.example,\"open\nu3@d3.example,x\n"
		s, errOut, code := impRun(t, d, data, "-")
		if code != 65 || !strings.Contains(errOut, "line 3: accountcsv: quoted field not closed") || s.Created != 1 || s.Complete {
			t.Fatalf("exit %d, %+v, %q", code, s, errOut)
		}
	})
	t.Run("usage", func(t *testing.T) {
		for _, args := range [][]string{{"-", "--mode", "merge"}, {"-", "--batch", "0"}, {"-", "--batch", "10001"}, {"-", "--max-errors", "-1"}, {}} {
			if _, errOut, code := impRun(t, d, "email\n", args...); code != 64 {
				t.Fatalf("import %v: exit %d, %q; want 64", args, code, errOut)
			}
		}
		in := writeFile(t, "in.csv", []byte("email\n"))
		if _, errOut, code := impRun(t, d, "", in, "--rejects", in); code != 64 || !strings.Contains(errOut, "is the input file") {
			t.Fatalf("--rejects the input: %d %q", code, errOut)
		}
		if data, _ := os.ReadFile(in); string(data) != "email\n" {
			t.Fatal("the input was overwritten")
		}
	})
}

func TestImportUnreachable(t *testing.T) {
	t.Parallel()
	_, errOut, code := mailtest.Run(t, "email\na@b.example\n", "axctl", "--socket", filepath.Join(t.TempDir(), "none.sock"), "import", "-")
	if code != 69 || !strings.Contains(errOut, "unreachable") {
		t.Fatalf("import without axd = %d, %q; want 69", code, errOut)
	}
}

// TestImportSummaryLine: without --json, one line on stderr and the
// rejected rows, nothing on stdout; --quiet silences a clean run.
func TestImportSummaryLine(t *testing.T) {
	t.Parallel()
	d := startImport(t, "")
	out, errOut, code := mailtest.Run(t, "email\nok@d0.example\nbad\n", "axctl", "--socket", d.Socket, "import", "-")
	if code != 2 || out != "" || !strings.Contains(errOut, "stdin:3: bad: email: directory: invalid") ||
		!strings.Contains(errOut, "imported stdin: 1 created, 0 updated, 0 unchanged, 1 rejected in ") {
		t.Fatalf("exit %d, %q, %q", code, out, errOut)
	}
	out, errOut, code = mailtest.Run(t, "email\nok@d0.example\n", "axctl", "--socket", d.Socket, "--quiet", "import", "-")
	if code != 0 || out != "" || errOut != "" {
		t.Fatalf("--quiet: exit %d, %q, %q", code, out, errOut)
	}
}

// TestImportSIGTERM stops axd in the middle of an import: every batch
// axctl saw acknowledged is there after a restart, and a re-run
// completes the import.
func TestImportSIGTERM(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	d := startImport(t, dir)
	f := genImportFile(40000, 0)
	in := writeFile(t, "big.csv", f.data)

	cmd := exec.Command(mailtest.Binary(t, "axctl"), "--socket", d.Socket, "import", "--json", "--batch", "500", in)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := d.Client()
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, err := c.Status(context.Background())
		if err == nil && st.Accounts >= 3000 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("import did not start: %v\n%s", err, errOut.String())
		}
		time.Sleep(2 * time.Millisecond)
	}
	d.Signal(t, syscall.SIGTERM)
	if code := d.Wait(t, 30*time.Second); code != 0 {
		t.Fatalf("axd exit %d on SIGTERM\n%s", code, d.Log())
	}
	err := cmd.Wait()
	var s importSummary
	if jerr := json.Unmarshal(out.Bytes(), &s); jerr != nil {
		t.Fatalf("axctl: %v, bad JSON %v\n%s\n%s", err, jerr, out.String(), errOut.String())
	}
	code := cmd.ProcessState.ExitCode()
	if s.Complete || (code != 69 && code != 75) || s.Created == 0 || s.LastLine == 0 {
		t.Fatalf("axctl after SIGTERM: exit %d, %+v\n%s", code, s, errOut.String())
	}
	t.Logf("acknowledged %d rows through line %d before SIGTERM: %s", s.Created, s.LastLine, strings.TrimSpace(errOut.String()))

	d = startImport(t, dir)
	got := accounts(t, d)
	acked := 0
	for _, r := range f.rows {
		if r.line > s.LastLine {
			break
		}
		acked++
		if _, ok := got[r.key]; !ok {
			t.Fatalf("line %d: %s acknowledged but lost", r.line, r.key)
		}
	}
	if acked != s.Created || len(got) < acked {
		t.Fatalf("%d rows through line %d, %d created, %d accounts", acked, s.LastLine, s.Created, len(got))
	}
	s2, errOut2, code := impRun(t, d, "", in)
	wantCounts(t, "re-run", s2, errOut2, code, 0, len(f.rows)-len(got), 0, len(got), 0)
	if n := len(accounts(t, d)); n != len(f.rows) {
		t.Fatalf("%d accounts after the re-run, want %d", n, len(f.rows))
	}
}
