package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"github.com/spf13/cobra"

	"github.com/axmail/axmail/internal/cli"
	"github.com/axmail/axmail/internal/store"
)

type indexOptions struct {
	threshold float64
	dryRun    bool
}

func newIndexCmd(g *globalOptions) *cobra.Command {
	o := &indexOptions{}
	cmd := &cobra.Command{
		Use:   "index",
		Short: "Shrink index.db to the pages it uses (offline)",
		Long: `index writes a new index.db without the free pages of the old one and
renames it into place, when at least --threshold percent of its pages (and
1 MiB) are free. bbolt never gives pages back to the file system, so one
large expunge can leave index.db several times the size of what it holds,
and every start of axd reads all of it. The new file is synced before the
rename: killed at any moment, the old index or the new one is in place,
whole. It needs the data directory's lock: it exits 75 while axd runs.` + "\n" + exitStatusHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runIndex(cmd.Context(), g, o)
		},
	}
	cmd.Flags().Float64Var(&o.threshold, "threshold", 40, "rewrite when at least this percentage of the pages is free")
	cmd.Flags().BoolVarP(&o.dryRun, "dry-run", "n", false, "report the free pages, change nothing")
	return cmd
}

func runIndex(ctx context.Context, g *globalOptions, o *indexOptions) error {
	if o.threshold < 0 || o.threshold > 100 {
		return &cli.ExitError{Code: exitUsage, Err: fmt.Errorf("--threshold %v: want a percentage in [0, 100]", o.threshold)}
	}
	opts, _, err := g.storeOptions()
	if err != nil {
		return err
	}
	return g.withLockOffline(opts, "index", func() error {
		if err := ctx.Err(); err != nil {
			return err
		}
		sp, err := store.CompactIndex(opts, o.threshold/100, o.dryRun)
		if errors.Is(err, fs.ErrNotExist) {
			return &cli.ExitError{Code: exitConfig, Err: fmt.Errorf("%s has no %s: not a store, or its index is lost (axcompact check --rebuild-index)", opts.DataDir, store.IndexFile)}
		}
		if err != nil {
			return err
		}
		if g.json {
			return writeJSON(g.stdout, sp)
		}
		if cli.Interactive(g.stdout, g.quiet) {
			fmt.Fprintf(g.stdout, "index.db: %s, %s of its pages in use, %s free", human(sp.Bytes), human(sp.UsedBytes), human(sp.FreeBytes))
			if sp.Rewritten {
				fmt.Fprintf(g.stdout, "; rewritten to %s in %s", human(sp.BytesAfter), sp.Duration.Round(1e6))
			}
			fmt.Fprintln(g.stdout)
		}
		return nil
	})
}
