package main

import (
	"bytes"
	"fmt"
	"strings"
)

// impHash is doveadm's SHA512-CRYPT of "secret" (internal/auth/crypt_test.go).
const impHash = "{SHA512-CRYPT}$6$Vf96IiH55YE4tVQ6$WuGSXGK71TjoJcT97CAfwK0ZmVgZlMzQKoPK4QrEfy1TwYh9F12WyVRCNFrEcq8tXRqHnvBCdpBtwD7g8CTGN/"

// impDomains are the domains a generated file uses; the tests create them.
var impDomains = []string{"d0.example", "d1.example", "d2.example", "d3.example", "d4.example"}

// impHeader is a generated file's header: a BOM, odd case and spaces, and
// an ignored column.
const impHeader = "\uFEFF Email ,password_hash,QUOTA,max_message_size,display_name,enabled,aliases,_note"

// impBad is a kind of bad row: how the generator writes it, what its
// rejection says, and how a rejects row of it is fixed.
type impBad struct {
	kind   string
	reason string // a substring of the reason
	// row returns the record for index i; dup is an earlier good row's
	// address.
	row func(i int, dup string) string
	// fix edits a rejects row (lower-case column name -> value) so that
	// it imports.
	fix func(i int, r map[string]string)
}

var impBadKinds = []impBad{
	{"address", `has no @`, func(i int, _ string) string { return fmt.Sprintf("user%05d.d0.example,%s,,,,,,", i, impHash) },
		func(i int, r map[string]string) { r["email"] = fmt.Sprintf("fixed%05d@d0.example", i) }},
	{"domain", "domain does not exist: nowhere.example", func(i int, _ string) string {
		return fmt.Sprintf("user%05d@nowhere.example,%s,1G,,,,,", i, impHash)
	}, func(int, map[string]string) {}}, // fixed by --create-domains
	{"duplicate", "email: duplicate of line", func(i int, dup string) string { return strings.ToUpper(dup) + ",,,,Again,,," },
		func(i int, r map[string]string) { r["email"] = fmt.Sprintf("dupfix%05d@d1.example", i) }},
	{"long", "record longer than 65536 bytes", func(i int, _ string) string {
		return fmt.Sprintf("user%05d@d2.example,,,,%s,,,", i, strings.Repeat("x", 70000))
	}, func(i int, r map[string]string) {
		r["email"], r["display_name"] = fmt.Sprintf("long%05d@d2.example", i), "Long"
	}},
	{"utf8", "display_name: not valid UTF-8", func(i int, _ string) string { return fmt.Sprintf("user%05d@d3.example,,,,Bad \xff\xfe name,,,", i) },
		func(i int, r map[string]string) { r["display_name"] = "Fixed" }},
	{"fields", "3 fields, the header has 8", func(i int, _ string) string { return fmt.Sprintf("user%05d@d4.example,,", i) },
		func(int, map[string]string) {}}, // the rejects file pads it
	{"hash", "password_hash: auth: malformed password hash", func(i int, _ string) string {
		return fmt.Sprintf("user%05d@d0.example,{SHA512-CRYPT}$6$broken,,,,,,", i)
	}, func(i int, r map[string]string) { r["password_hash"] = impHash }},
	{"weak", "weak password scheme refused", func(i int, _ string) string { return fmt.Sprintf("user%05d@d1.example,{PLAIN}secret,,,,,,", i) },
		func(i int, r map[string]string) { r["password_hash"] = impHash }},
	{"quota", `quota: "12 apples" is not a size`, func(i int, _ string) string { return fmt.Sprintf("user%05d@d2.example,,12 apples,,,,,", i) },
		func(i int, r map[string]string) { r["quota"] = "12M" }},
	{"size", "max_message_size:", func(i int, _ string) string { return fmt.Sprintf("user%05d@d3.example,,,-5M,,,,", i) },
		func(i int, r map[string]string) { r["max_message_size"] = "5M" }},
	{"enabled", `enabled: "perhaps" is not`, func(i int, _ string) string { return fmt.Sprintf("user%05d@d4.example,,,,,perhaps,,", i) },
		func(i int, r map[string]string) { r["enabled"] = "no" }},
	{"quote", `field 5 (display_name): a quote (")`, func(i int, _ string) string {
		return fmt.Sprintf(`user%05d@d0.example,,,,Bob "B" Smith,,,`, i)
	}, func(int, map[string]string) {}}, // the rejects file quotes it
	{"control", "display name", func(i int, _ string) string { return fmt.Sprintf("user%05d@d1.example,,,,\"two\r\nlines\",,,", i) },
		func(i int, r map[string]string) { r["display_name"] = "one line" }},
}

// impRow is one data row of a generated file.
type impRow struct {
	line  int
	key   string // the account it creates or names, lower case; "" if none
	bad   *impBad
	index int
	dupOf int // the line a duplicate repeats
}

// impFile is a generated import file.
type impFile struct {
	data []byte
	rows []impRow
	good int
	bad  int
	kind map[string]int // bad rows per kind
}

func (f *impFile) byLine() map[int]impRow {
	m := make(map[int]impRow, len(f.rows))
	for _, r := range f.rows {
		m[r.line] = r
	}
	return m
}

// genImportFile writes n data rows with CRLF line ends, empty and blank
// lines, quoted fields holding commas and line breaks, and every
// badEvery-th row bad, cycling through impBadKinds (0: none bad).
func genImportFile(n, badEvery int) *impFile {
	f := &impFile{kind: make(map[string]int)}
	var b bytes.Buffer
	line := 1
	write := func(s string) {
		b.WriteString(s)
		b.WriteString("\r\n")
		line += 1 + strings.Count(s, "\n")
	}
	write(impHeader)
	var good []impRow
	nbad := 0
	for i := range n {
		if i%500 == 250 {
			write("")
			write("  \t")
		}
		if badEvery > 0 && i%badEvery == badEvery-1 {
			k := &impBadKinds[nbad%len(impBadKinds)]
			nbad++
			first := good[0]
			if len(good) > 1200 {
				first = good[len(good)-1200] // in another batch
			}
			dup := first.key
			r := impRow{line: line, bad: k, index: i, dupOf: first.line}
			if k.kind == "domain" {
				r.key = fmt.Sprintf("user%05d@nowhere.example", i)
			}
			f.rows = append(f.rows, r)
			f.bad++
			f.kind[k.kind]++
			write(k.row(i, dup))
			continue
		}
		dom := impDomains[i%len(impDomains)]
		key := fmt.Sprintf("user%05d@%s", i, dom)
		quota := []string{"", "1G", "512M", "0", "1073741824"}[i%5]
		size := []string{"", "25M", ""}[i%3]
		name := fmt.Sprintf("User %d", i)
		if i%7 == 0 {
			name = fmt.Sprintf(`"Smith, J. ""%d"""`, i)
		}
		enabled := []string{"", "yes", "no", "1", "0", "TRUE", "false"}[i%7]
		aliases := ""
		switch i % 50 {
		case 3:
			aliases = fmt.Sprintf("a%05d@%s", i, dom)
		case 9:
			aliases = fmt.Sprintf("\"a%05d@%s;\r\n b%05d@%s\"", i, dom, i, dom)
		}
		email := key
		if i%11 == 0 {
			email = strings.ToUpper(key[:1]) + key[1:]
		}
		r := impRow{line: line, key: key, index: i}
		f.rows = append(f.rows, r)
		good = append(good, r)
		f.good++
		write(strings.Join([]string{email, impHash, quota, size, name, enabled, aliases, "note"}, ","))
	}
	write("")
	f.data = b.Bytes()
	return f
}
