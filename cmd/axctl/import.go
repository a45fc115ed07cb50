package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/axmail/axmail/internal/accountcsv"
	"github.com/axmail/axmail/internal/auth"
	"github.com/axmail/axmail/internal/cli"
	"github.com/axmail/axmail/internal/control"
	"github.com/axmail/axmail/internal/directory"
)

// importOptions are the flags of axctl import.
type importOptions struct {
	mode          string
	createDomains bool
	dryRun        bool
	rejects       string
	maxErrors     int
	batch         int
}

// defaultImportBatch rows go in one request, one transaction and fsync.
const defaultImportBatch = 1000

// AddFlags registers the flags.
func (o *importOptions) AddFlags(f *pflag.FlagSet) {
	f.StringVar(&o.mode, "mode", "create", "create (new accounts only), upsert (create or update) or update (existing accounts only)")
	f.BoolVar(&o.createDomains, "create-domains", false, "create missing domains instead of rejecting their rows")
	f.BoolVarP(&o.dryRun, "dry-run", "n", false, "check every row and count what would happen; change nothing")
	f.StringVar(&o.rejects, "rejects", "", "write rejected rows to this CSV file (mode 0600: it may hold passwords)")
	f.IntVar(&o.maxErrors, "max-errors", 0, "stop once this many rows are rejected: no further batch is sent (0: no limit)")
	f.IntVar(&o.batch, "batch", defaultImportBatch, fmt.Sprintf("rows per request, each committed before the next (at most %d)", control.MaxImportRows))
}

const importHelp = `Reads accounts from a CSV file (or stdin with -) and creates or updates
them in axd, in batches that axd commits one by one. The file streams
through: only a few batches are in memory, and a key per address to spot
repeats.

The file is UTF-8 CSV with commas, quoted fields holding commas, quotes
(doubled) and line breaks, LF or CRLF line ends; a byte order mark and
empty lines are skipped.

The first row names the columns, in any case and order:
  email             the account's address (required)
  password          a plaintext password, hashed here with axd's scheme and
                    cost on every core; it never crosses the socket
  password_hash     a hash in Dovecot's {SCHEME} or crypt(3) notation
                    (not together with password)
  quota             storage quota: bytes, or a number with K, M, G, T
                    (powers of 1024); 0 unlimited
  max_message_size  largest message accepted, as quota
  display_name      the account holder's name
  enabled           true, false, yes, no, 1 or 0
  aliases           addresses pointing at the account, separated by ;
  _anything         ignored (so a rejects file re-imports)
An empty value leaves a setting alone: a new account inherits it, an
existing one keeps its own. An unknown column name is an error.

Modes: create adds new accounts and leaves existing identical ones
unchanged, rejecting rows that would change one; upsert creates or
updates; update only updates existing accounts.

Re-running the same file changes nothing: every row comes out unchanged.
For a plaintext password the existing hash is kept when it matches, so a
re-run costs one hash per row but writes nothing.

Each row is imported whole or rejected with a reason naming its line and
column: an invalid address, an address already on an earlier line in any
case (the first wins), an unknown domain (unless --create-domains), a wrong number
of fields, misplaced quotes, bytes that are not UTF-8, a record over
64 KiB, a value that does not parse, a hash axd cannot use. The --rejects
file gets each rejected row as given with _line and _reason columns, so
that it re-imports once fixed; it is created with mode 0600 since rows
may hold plaintext passwords, and removed when no row was rejected.

A progress bar shows on a terminal; otherwise one summary line goes to
stderr (--quiet: only when some row was rejected). --json prints a summary
on stdout: the counts, the rejected rows and last_line, the line through
which every row is committed.
`

const importExitHelp = `
EXIT STATUS
  0   every row imported (created, updated or unchanged)
  2   some rows rejected, or --max-errors reached
  64  usage error
  65  the file is unusable: no header, an unknown or repeated column, no
      email column, both password columns, an unreadable file, a quoted
      field never closed (rows before it are imported; fix and re-run)
  69  axd is unreachable (batches acknowledged before are committed;
      re-run the import to finish it)
  70  axd refused a batch
  75  interrupted, or axd temporarily unavailable: re-run
  78  bad configuration
`

func newImportCmd(g *globalOptions) *cobra.Command {
	var o importOptions
	cmd := &cobra.Command{
		Use:   "import FILE|-",
		Short: "Create or update accounts in bulk from a CSV file",
		Long:  importHelp + importExitHelp,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runImport(cmd.Context(), g, o, args[0])
		},
	}
	o.AddFlags(cmd.Flags())
	return cmd
}

func (o *importOptions) validate() error {
	if _, err := directory.ParseImportMode(o.mode); err != nil {
		return &cli.ExitError{Code: exitUsage, Err: fmt.Errorf("--mode %q: want create, upsert or update", o.mode)}
	}
	if o.batch < 1 || o.batch > control.MaxImportRows {
		return &cli.ExitError{Code: exitUsage, Err: fmt.Errorf("--batch %d: want 1 to %d", o.batch, control.MaxImportRows)}
	}
	if o.maxErrors < 0 {
		return &cli.ExitError{Code: exitUsage, Err: fmt.Errorf("--max-errors %d: want 0 (no limit) or more", o.maxErrors)}
	}
	return nil
}

// runImport imports the file at path ("-" for stdin).
func runImport(ctx context.Context, g *globalOptions, o importOptions, path string) error {
	start := time.Now()
	if err := o.validate(); err != nil {
		return err
	}
	name, in, size, closeIn, err := openImportInput(g, path)
	if err != nil {
		return err
	}
	defer closeIn()
	rd, err := accountcsv.NewReader(in, accountcsv.Options{})
	if err != nil {
		return importFileError(name, err)
	}
	c, err := g.client()
	if err != nil {
		return err
	}
	// Hashing parameters, and a first sign of life before anything is
	// written.
	h, err := newHasher(ctx, c)
	if err != nil {
		return err
	}
	var rej *rejectsWriter
	if o.rejects != "" {
		if rej, err = createRejects(o.rejects, path, rd.Header()); err != nil {
			return err
		}
	}
	p := &importer{g: g, o: o, c: c, rd: rd, sum: newImportSummary(name, o)}
	if rd.Has(accountcsv.ColumnPassword) {
		p.hasher = h
	}
	p.rejects = rej
	p.progress = newImportProgress(g, size)
	stopErr := p.run(ctx)
	if stopErr != nil {
		p.sum.Stopped = stopErr.Error()
	}
	p.progress.finish()
	p.sum.Seconds = time.Since(start).Seconds()
	if rej != nil {
		if err := rej.close(p.sum.Rejected > 0); err != nil && stopErr == nil {
			stopErr = err
		}
	}
	if err := p.report(); err != nil && stopErr == nil {
		stopErr = err
	}
	switch {
	case stopErr != nil:
		return importStopError(name, stopErr)
	case p.sum.Rejected > 0:
		return &cli.ExitError{Code: exitPartial}
	}
	return nil
}

// openImportInput opens the file, or stdin for "-". size is the file's
// size for a progress estimate, -1 when unknown.
func openImportInput(g *globalOptions, path string) (name string, r io.Reader, size int64, closeFn func(), err error) {
	if path == "-" {
		return "stdin", g.stdin, -1, func() {}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return "", nil, 0, nil, &cli.ExitError{Code: exitDataErr, Err: fmt.Errorf("import: %v", err)}
	}
	size = -1
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	return path, f, size, func() { f.Close() }, nil
}

// importFileError maps a reading problem to exit 65.
func importFileError(name string, err error) error {
	return &cli.ExitError{Code: exitDataErr, Err: fmt.Errorf("import %s: %w", name, err)}
}

// importStopError says why the import stopped before the end of the file.
func importStopError(name string, err error) error {
	var fe *accountcsv.FileError
	switch {
	case errors.As(err, &fe):
		return importFileError(name, err)
	case errors.Is(err, errMaxErrors):
		return &cli.ExitError{Code: exitPartial, Err: fmt.Errorf("import %s: %w", name, err)}
	case errors.Is(err, context.Canceled):
		return &cli.ExitError{Code: exitTempFail, Err: fmt.Errorf("import %s: interrupted; re-run to finish (committed rows come out unchanged)", name)}
	case errors.Is(err, control.ErrUnreachable), errors.As(err, new(*control.Error)):
		return fmt.Errorf("import %s: %w", name, err) // 69, 70 or 75 by exitCode
	}
	return &cli.ExitError{Code: exitSoftware, Err: fmt.Errorf("import %s: %w", name, err)}
}

// hashRow replaces a row's plaintext password by a hash: the account's
// current one when the password matches it, so that a re-run changes
// nothing, and a new one otherwise.
func hashRow(h *auth.Hasher, r *accountcsv.Row, current string) {
	pw := []byte(string(r.Password))
	r.Password = ""
	defer clear(pw)
	if current != "" {
		if ok, _, err := h.Verify(current, pw); err == nil && ok {
			r.PasswordHash = current
			return
		}
	}
	hash, err := h.Hash(pw)
	if err != nil {
		r.Reject = "password: " + err.Error()
		return
	}
	r.PasswordHash = hash
}
