package pop3d

import (
	"errors"
	"strconv"
	"strings"
)

// maxCommandLine is the longest command line, CRLF included (RFC 2449 §4).
const maxCommandLine = 255

// maxSASLLine bounds a SASL response line, which RFC 5034 §4 exempts from
// the 255-octet limit: room for a 1024-byte user name and password in
// base64, and no more.
const maxSASLLine = 4096

// maxArgs is the most arguments any command takes (TOP msg n).
const maxArgs = 2

// Errors of the command parser; each is a bad command for the Guard.
var (
	errEmptyCommand = errors.New("pop3d: empty command")
	errBadKeyword   = errors.New("pop3d: malformed command keyword")
	errBadChar      = errors.New("pop3d: control character in command")
	errTooManyArgs  = errors.New("pop3d: too many arguments")
)

// command is one parsed command line.
type command struct {
	// Name is the keyword, upper-cased: three or four ASCII letters
	// (RFC 1939 §3, RFC 2449 §3).
	Name string
	// Args are the space-separated arguments, empty ones (runs of
	// spaces) dropped.
	Args []string
	// Rest is everything after the keyword and one space, verbatim: the
	// argument of PASS, which may hold spaces (RFC 1939 §7).
	Rest string
}

// parseCommand parses one command line, without its line ending. It
// refuses control characters (NUL, a bare CR, TAB) anywhere: no command
// or credential needs them, and they are how injection starts.
func parseCommand(line string) (command, error) {
	if line == "" {
		return command{}, errEmptyCommand
	}
	for i := 0; i < len(line); i++ {
		if c := line[i]; c < 0x20 || c == 0x7f {
			return command{}, errBadChar
		}
	}
	name, rest, _ := strings.Cut(line, " ")
	if len(name) < 3 || len(name) > 4 {
		return command{}, errBadKeyword
	}
	for i := 0; i < len(name); i++ {
		c := name[i] | 0x20
		if c < 'a' || c > 'z' {
			return command{}, errBadKeyword
		}
	}
	cmd := command{Name: strings.ToUpper(name), Rest: rest}
	if cmd.Name == "PASS" {
		// The password is the rest of the line; it is not split.
		return cmd, nil
	}
	for a := range strings.SplitSeq(rest, " ") {
		if a == "" {
			continue
		}
		if len(cmd.Args) == maxArgs {
			return command{}, errTooManyArgs
		}
		cmd.Args = append(cmd.Args, a)
	}
	return cmd, nil
}

// parseNumber parses a message number or line count: decimal digits only
// (no sign, no spaces), at most 9 of them, so that it fits any int.
func parseNumber(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}
