// Package cli holds what axmail's commands share of DESIGN's CLI
// conventions: exit codes carried through cobra, recognising usage
// errors, deciding whether output goes to a person, and the progress bar
// that only a terminal sees. It does no I/O of its own beyond the bar.
package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// ExitError carries an exit code (sysexits) through cobra to main. A nil
// Err exits with the code and prints nothing.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return ""
	}
	return e.Err.Error()
}

// Unwrap returns the cause.
func (e *ExitError) Unwrap() error { return e.Err }

// PrintError writes err to w as "prog: message". An ExitError without a
// cause, which only carries its exit code, prints nothing.
func PrintError(w io.Writer, prog string, err error) {
	if err == nil {
		return
	}
	if msg := err.Error(); msg != "" {
		fmt.Fprintf(w, "%s: %s\n", prog, msg)
	}
}

// IsUsage recognises cobra's and pflag's argument errors, which have no
// type of their own.
func IsUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "invalid argument", "flag needs an argument", "accepts ", "requires "} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// Interactive reports whether w is a terminal that a person reads: not
// with quiet, not with TERM=dumb.
func Interactive(w io.Writer, quiet bool) bool {
	if quiet || os.Getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// ByteProgress draws a byte progress bar on w when it is a terminal (see
// Interactive); otherwise update is nil and finish does nothing. The bar
// is created now, so its rate counts from the start of the work.
func ByteProgress(w io.Writer, quiet bool, desc string) (update func(done, total int64), finish func()) {
	if !Interactive(w, quiet) {
		return nil, func() {}
	}
	bar := progressbar.NewOptions64(-1,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowBytes(true),
		progressbar.OptionThrottle(100e6),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionEnableColorCodes(false),
	)
	return func(done, total int64) {
			bar.ChangeMax64(total)
			_ = bar.Set64(done)
		}, func() {
			_ = bar.Finish()
		}
}
