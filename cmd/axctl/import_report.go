package main

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/axmail/axmail/internal/accountcsv"
	"github.com/axmail/axmail/internal/cli"
)

// maxRejectedKept bounds the rejected rows a summary lists; the rejects
// file has them all.
const maxRejectedKept = 100_000

// maxRejectedShown rejected rows go to stderr when neither --rejects nor
// --json keeps them.
const maxRejectedShown = 100

// importSummary is what --json prints.
type importSummary struct {
	File   string `json:"file"`
	Mode   string `json:"mode"`
	DryRun bool   `json:"dry_run"`
	// Rows counts the data rows processed: created, updated, unchanged
	// and rejected.
	Rows           int      `json:"rows"`
	Created        int      `json:"created"`
	Updated        int      `json:"updated"`
	Unchanged      int      `json:"unchanged"`
	Rejected       int      `json:"rejected"`
	DomainsCreated []string `json:"domains_created"`
	// LastLine is the line of the last row processed: every row up to it
	// is committed (checked, in a dry run), none after it.
	LastLine int `json:"last_line"`
	// Complete is true when the whole file was processed.
	Complete bool `json:"complete"`
	// Stopped says why not.
	Stopped      string        `json:"stopped,omitempty"`
	Seconds      float64       `json:"duration_seconds"`
	RejectedRows []rejectedRow `json:"rejected_rows"`
	// RejectedRowsTruncated is true when RejectedRows lists only the
	// first maxRejectedKept.
	RejectedRowsTruncated bool `json:"rejected_rows_truncated,omitempty"`
}

type rejectedRow struct {
	Line   int    `json:"line"`
	Email  string `json:"email"`
	Reason string `json:"reason"`
}

func newImportSummary(name string, o importOptions) *importSummary {
	return &importSummary{File: name, Mode: o.mode, DryRun: o.dryRun, DomainsCreated: []string{}, RejectedRows: []rejectedRow{}}
}

func (s *importSummary) reject(line int, email, reason string) {
	s.Rejected++
	if len(s.RejectedRows) >= maxRejectedKept {
		s.RejectedRowsTruncated = true
		return
	}
	s.RejectedRows = append(s.RejectedRows, rejectedRow{Line: line, Email: email, Reason: reason})
}

func (s *importSummary) addDomains(doms []string) {
	for _, d := range doms {
		if !slices.Contains(s.DomainsCreated, d) {
			s.DomainsCreated = append(s.DomainsCreated, d)
		}
	}
}

// line is the one-line summary.
func (s *importSummary) line() string {
	var b strings.Builder
	switch {
	case s.DryRun:
		fmt.Fprintf(&b, "checked %s (dry run, nothing changed): %d to create, %d to update, %d unchanged, %d rejected",
			s.File, s.Created, s.Updated, s.Unchanged, s.Rejected)
	case s.Complete:
		fmt.Fprintf(&b, "imported %s: %d created, %d updated, %d unchanged, %d rejected", s.File, s.Created, s.Updated, s.Unchanged, s.Rejected)
	default:
		fmt.Fprintf(&b, "import of %s stopped after line %d: %d created, %d updated, %d unchanged, %d rejected",
			s.File, s.LastLine, s.Created, s.Updated, s.Unchanged, s.Rejected)
	}
	if n := len(s.DomainsCreated); n > 0 {
		verb := "created"
		if s.DryRun {
			verb = "to create"
		}
		shown := s.DomainsCreated[:min(n, 5)]
		fmt.Fprintf(&b, ", %d domains %s (%s", n, verb, strings.Join(shown, ", "))
		if n > len(shown) {
			b.WriteString(", ...")
		}
		b.WriteString(")")
	}
	d := time.Duration(s.Seconds * float64(time.Second))
	if d < time.Second {
		d = d.Round(time.Millisecond)
	} else {
		d = d.Round(100 * time.Millisecond)
	}
	fmt.Fprintf(&b, " in %s", d)
	return b.String()
}

// report prints the summary: JSON on stdout with --json, and the line on
// stderr unless --quiet and nothing went wrong.
func (p *importer) report() error {
	s := p.sum
	if p.g.json {
		if err := p.g.printJSON(s); err != nil {
			return err
		}
	} else if p.rejects == nil {
		for i, r := range s.RejectedRows {
			if i == maxRejectedShown {
				fmt.Fprintf(p.g.stderr, "... and %d more rejected rows (--rejects FILE keeps them all)\n", s.Rejected-i)
				break
			}
			if r.Email == "" {
				fmt.Fprintf(p.g.stderr, "%s:%d: %s\n", s.File, r.Line, r.Reason)
			} else {
				fmt.Fprintf(p.g.stderr, "%s:%d: %s: %s\n", s.File, r.Line, r.Email, r.Reason)
			}
		}
	}
	if !p.g.quiet || !s.Complete || s.Rejected > 0 {
		fmt.Fprintln(p.g.stderr, s.line())
	}
	return nil
}

// rejectsWriter writes rejected rows as CSV: the file's columns (without
// earlier _line and _reason) and _line, _reason.
type rejectsWriter struct {
	f      *os.File
	buf    *bufio.Writer
	w      *csv.Writer
	keep   []int // the input columns written
	width  int   // the input's number of columns
	record []string
}

// createRejects creates the rejects file with mode 0600: rows may hold
// plaintext passwords. It refuses to overwrite the input.
func createRejects(path, input string, header []string) (*rejectsWriter, error) {
	if input != "-" {
		a, errA := os.Stat(path)
		b, errB := os.Stat(input)
		if errA == nil && errB == nil && os.SameFile(a, b) {
			return nil, &cli.ExitError{Code: exitUsage, Err: fmt.Errorf("--rejects %s is the input file", path)}
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, &cli.ExitError{Code: exitUsage, Err: fmt.Errorf("--rejects: %v", err)}
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, fmt.Errorf("--rejects: %v", err)
	}
	w := &rejectsWriter{f: f, buf: bufio.NewWriter(f), width: len(header)}
	w.w = csv.NewWriter(w.buf)
	out := make([]string, 0, len(header)+2)
	for i, name := range header {
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "_line", "_reason":
			continue
		}
		w.keep = append(w.keep, i)
		out = append(out, name)
	}
	if err := w.w.Write(append(out, "_line", "_reason")); err != nil {
		f.Close()
		return nil, err
	}
	return w, nil
}

// write writes a row as read, padded to the header's width; a record too
// long to keep is written empty, its reason naming its line.
func (w *rejectsWriter) write(r *accountcsv.Row, reason string) error {
	out := w.record[:0]
	for _, i := range w.keep {
		if i < len(r.Fields) {
			out = append(out, r.Fields[i])
		} else {
			out = append(out, "")
		}
	}
	if len(r.Fields) > w.width {
		out = append(out, r.Fields[w.width:]...)
	}
	if r.Fields == nil {
		reason += " (not copied here: see the line in the input)"
	}
	out = append(out, strconv.Itoa(r.Line), reason)
	w.record = out
	return w.w.Write(out)
}

// close flushes the file, or removes it when no row was rejected.
func (w *rejectsWriter) close(any bool) error {
	w.w.Flush()
	err := w.w.Error()
	if err == nil {
		err = w.buf.Flush()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if !any {
		return os.Remove(w.f.Name())
	}
	if err != nil {
		return fmt.Errorf("--rejects: %w", err)
	}
	return nil
}

// importProgress draws rows done over an estimated total, with rate and
// ETA, on a terminal stderr; a spinner with the rate when the input's
// size is unknown.
type importProgress struct {
	bar  *progressbar.ProgressBar
	size int64
}

func newImportProgress(g *globalOptions, size int64) *importProgress {
	if !cli.Interactive(g.stderr, g.quiet) {
		return &importProgress{}
	}
	total := -1 // a spinner
	if size > 0 {
		total = int(max(1, size/128)) // a first guess; update refines it
	}
	bar := progressbar.NewOptions(total, progressbar.OptionSetWriter(g.stderr), progressbar.OptionSetDescription("importing"),
		progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("rows"),
		progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish(),
		progressbar.OptionEnableColorCodes(false))
	_ = bar.RenderBlank() // starts the clock of the rate
	return &importProgress{bar: bar, size: size}
}

// update shows rows done, offset bytes of the input read for them.
func (p *importProgress) update(rows int, offset int64) {
	if p.bar == nil {
		return
	}
	if p.size > 0 && offset > 0 {
		est := int(int64(rows) * p.size / offset)
		p.bar.ChangeMax(max(est, rows))
	}
	_ = p.bar.Set(rows)
}

func (p *importProgress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
