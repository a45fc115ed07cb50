package main

import (
	"context"
	"encoding/csv"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/axmail/axmail/internal/control"
	"github.com/axmail/axmail/internal/mailtest"
)

// wantExportHeader is the import format's header, as operators write it.
var wantExportHeader = []string{"email", "password_hash", "quota", "max_message_size", "display_name", "enabled", "aliases"}

func readExport(t *testing.T, out string) [][]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("export is not CSV: %v\n%s", err, out)
	}
	if len(recs) == 0 || !slices.Equal(recs[0], wantExportHeader) {
		t.Fatalf("export header = %q, want %q", recs, wantExportHeader)
	}
	return recs[1:]
}

func TestExport(t *testing.T) {
	t.Parallel()
	d := startAxd(t, mailtest.Options{})
	d.quiet(t, "domain", "add", "example.org", "--quota", "2G")
	d.quiet(t, "domain", "add", "other.example")
	d.quiet(t, "account", "add", "smith@example.org", "--password-hash", sha512Hash, "--display-name", `Smith, Jane "JJ"`,
		"--quota", "1G", "--max-message-size", "10M")
	d.quietStdin(t, plaintext+"\n", "account", "add", "Bob@example.org", "--password-stdin")
	d.quiet(t, "account", "add", "nopw@example.org")
	d.quiet(t, "account", "disable", "nopw@example.org")
	d.quiet(t, "account", "add", "carl@other.example", "--password-hash", sha512Rounds)
	d.quiet(t, "alias", "add", "sj@example.org", "SMITH@example.org")
	d.quiet(t, "alias", "add", "jane@other.example", "smith@example.org")
	d.quiet(t, "alias", "add", "@other.example", "carl@other.example")
	// An alias of several targets is no one account's: it is not exported.
	d.quiet(t, "alias", "add", "team@example.org", "smith@example.org", "bob@example.org")

	all := d.ok(t, "export")
	rows := readExport(t, all)
	var bobHash string
	if len(rows) == 4 {
		bobHash = rows[0][1]
	}
	want := [][]string{
		{"Bob@example.org", bobHash, "", "", "", "", ""},
		{"nopw@example.org", "", "", "", "", "false", ""},
		{"smith@example.org", sha512Hash, strconv.Itoa(1 << 30), strconv.Itoa(10 << 20), `Smith, Jane "JJ"`, "", "sj@example.org;jane@other.example"},
		{"carl@other.example", sha512Rounds, "", "", "", "", "@other.example"},
	}
	if !slices.EqualFunc(rows, want, slices.Equal) {
		t.Errorf("export =\n%q\nwant\n%q", rows, want)
	}
	if !strings.HasPrefix(bobHash, "{ARGON2ID}$argon2id$") {
		t.Errorf("export: Bob's hash %q, want axd's argon2id", bobHash)
	}

	for _, c := range []struct {
		domain string
		want   [][]string
	}{
		{"example.org", want[:3]},
		{"OTHER.example", want[3:]},
		{"nowhere.example", nil},
	} {
		if rows := readExport(t, d.ok(t, "export", "--domain", c.domain)); !slices.EqualFunc(rows, c.want, slices.Equal) {
			t.Errorf("export --domain %s =\n%q\nwant\n%q", c.domain, rows, c.want)
		}
	}
	d.refuse(t, 70, "invalid", "export", "--domain", "bad..example")
	d.refuse(t, 70, "invalid", "export", "--domain", "bad..example", "--json")
	d.refuse(t, 64, "unknown command", "export", "example.org")

	var js []control.ExportRow
	d.decode(t, &js, "export", "--domain", "example.org")
	if len(js) != 3 || js[2].Email != "smith@example.org" || js[2].PasswordHash != sha512Hash || js[2].Quota == nil ||
		*js[2].Quota != 1<<30 || !slices.Equal(js[2].Aliases, []string{"sj@example.org", "jane@other.example"}) {
		t.Errorf("export --json = %+v", js)
	}

	// The export is in the import format: imported into a new axd, it
	// exports the same.
	var imp []control.ImportRow
	for i, r := range rows {
		row := control.ImportRow{Line: i + 2, Email: r[0], PasswordHash: r[1], DisplayName: r[4]}
		for _, n := range []struct {
			s string
			p **int64
		}{{r[2], &row.Quota}, {r[3], &row.MaxMessageSize}} {
			if n.s != "" {
				v, err := strconv.ParseInt(n.s, 10, 64)
				if err != nil {
					t.Fatal(err)
				}
				*n.p = &v
			}
		}
		if r[5] != "" {
			on := r[5] == "true"
			row.Enabled = &on
		}
		if r[6] != "" {
			row.Aliases = strings.Split(r[6], ";")
		}
		imp = append(imp, row)
	}
	d2 := startAxd(t, mailtest.Options{})
	res, err := d2.Client().Import(context.Background(), control.ImportRequest{Mode: "create", CreateDomains: true, Rows: imp})
	if err != nil || res.Counts.Created != len(imp) {
		t.Fatalf("import of the export = %+v, %v", res, err)
	}
	if again := d2.ok(t, "export"); again != all {
		t.Errorf("export after a round trip =\n%s\nwant\n%s", again, all)
	}
	for _, s := range []string{plaintext, sha512Hash, sha512Rounds, bobHash} {
		if strings.Contains(d.Log()+d2.Log(), s) {
			t.Errorf("axd's log shows the secret %q", s)
		}
	}
}
