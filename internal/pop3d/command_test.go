package pop3d

import (
	"slices"
	"strings"
	"testing"
)

func TestParseCommand(t *testing.T) {
	for _, c := range []struct {
		line string
		want command
		err  error
	}{
		{"STAT", command{Name: "STAT"}, nil},
		{"stat", command{Name: "STAT"}, nil},
		{"Top 1 10", command{Name: "TOP", Args: []string{"1", "10"}, Rest: "1 10"}, nil},
		{"LIST  2 ", command{Name: "LIST", Args: []string{"2"}, Rest: " 2 "}, nil},
		{"PASS a b  c", command{Name: "PASS", Rest: "a b  c"}, nil},
		{"USER jörg@example.org", command{Name: "USER", Args: []string{"jörg@example.org"}, Rest: "jörg@example.org"}, nil},
		{"", command{}, errEmptyCommand},
		{" STAT", command{}, errBadKeyword},
		{"ST", command{}, errBadKeyword},
		{"STATS", command{}, errBadKeyword},
		{"ST4T", command{}, errBadKeyword},
		{"STÄT", command{}, errBadKeyword},
		{"STAT\x00", command{}, errBadChar},
		{"PASS a\tb", command{}, errBadChar},
		{"PASS a\rb", command{}, errBadChar},
		{"RETR 1\x7f", command{}, errBadChar},
		{"TOP 1 2 3", command{}, errTooManyArgs},
	} {
		got, err := parseCommand(c.line)
		if err != c.err || got.Name != c.want.Name || !slices.Equal(got.Args, c.want.Args) || (err == nil && got.Rest != c.want.Rest) {
			t.Errorf("parseCommand(%q) = %+v, %v; want %+v, %v", c.line, got, err, c.want, c.err)
		}
	}
}

func TestParseNumber(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"1", 1, true}, {"0", 0, true}, {"007", 7, true}, {"999999999", 999999999, true},
		{"1000000000", 0, false}, {"-1", 0, false}, {"+1", 0, false}, {"1e3", 0, false},
		{"", 0, false}, {" 1", 0, false}, {"0x10", 0, false}, {"١", 0, false},
	} {
		got, ok := parseNumber(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("parseNumber(%q) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// FuzzParseCommand: any line either fails or yields a 3-4 letter
// upper-case keyword and at most two arguments free of spaces and control
// characters, that rebuild the line's words.
func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"STAT", "list 1", "TOP 1 0", "PASS secret with spaces", "AUTH PLAIN AGFsaWNlAHNlY3JldA==", "AUTH PLAIN =", "USER a\x00b", "", " ", "RETR -1", "RETR 99999999999999999999", "XYZZ", "TOP 1 2 3", "UIDL  1", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		cmd, err := parseCommand(line)
		if err != nil {
			return
		}
		if len(cmd.Name) < 3 || len(cmd.Name) > 4 || strings.ToUpper(cmd.Name) != cmd.Name {
			t.Fatalf("parseCommand(%q): keyword %q", line, cmd.Name)
		}
		for i := 0; i < len(line); i++ {
			if line[i] < 0x20 || line[i] == 0x7f {
				t.Fatalf("parseCommand(%q) accepted a control character", line)
			}
		}
		if len(cmd.Args) > maxArgs {
			t.Fatalf("parseCommand(%q): %d args", line, len(cmd.Args))
		}
		for _, a := range cmd.Args {
			if a == "" || strings.Contains(a, " ") {
				t.Fatalf("parseCommand(%q): arg %q", line, a)
			}
		}
		words := strings.FieldsFunc(cmd.Rest, func(r rune) bool { return r == ' ' })
		if cmd.Name != "PASS" && !slices.Equal(cmd.Args, words) {
			t.Fatalf("parseCommand(%q): args %q from rest %q", line, cmd.Args, cmd.Rest)
		}
		name, rest, found := strings.Cut(line, " ")
		if !strings.EqualFold(name, cmd.Name) || rest != cmd.Rest || (!found && cmd.Rest != "") {
			t.Fatalf("parseCommand(%q) = %q + %q, not the line's keyword and rest", line, cmd.Name, cmd.Rest)
		}
		if n, ok := parseNumber(cmd.Rest); ok && (n < 0 || n > 999999999) {
			t.Fatalf("parseNumber(%q) = %d", cmd.Rest, n)
		}
	})
}
