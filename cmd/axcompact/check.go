package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/axmail/axmail/internal/cli"
	"github.com/axmail/axmail/internal/control"
	"github.com/axmail/axmail/internal/store"
)

type checkOptions struct {
	repair       bool
	rebuildIndex bool
}

func (o *checkOptions) addFlags(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&o.repair, "repair", false, "fix what can be fixed: drop dangling references, recompute counters, move orphans to the Recovered mailbox")
	cmd.Flags().BoolVar(&o.rebuildIndex, "rebuild-index", false, "rebuild the whole index from the containers alone (the old one is kept as index.db.bak-TIME)")
}

func newCheckCmd(g *globalOptions) *cobra.Command {
	o := &checkOptions{}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Verify the store's consistency",
		Long: `check verifies every record's checksum, every index reference against its
record, reference counts, UIDs (increasing, below UIDNEXT), mailbox and
account counters, per-container statistics, and orphans (records nothing
references). Each problem is printed with its file and offset; exit 2 if
any was found.

--rebuild-index restores every intact message that no tombstone covers to
the mailbox it was delivered to, with the flags it had then; mailboxes get
new UIDVALIDITY values, so IMAP clients resynchronise. It works offline
only. While axd runs, check (and --repair) run inside axd through its
control socket.` + "\n" + exitStatusHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runCheck(cmd.Context(), g, o)
		},
	}
	o.addFlags(cmd)
	return cmd
}

func runCheck(ctx context.Context, g *globalOptions, o *checkOptions) error {
	if o.rebuildIndex {
		return runRebuild(ctx, g)
	}
	report := func(res store.CheckResult) error {
		if res.Problems == nil {
			res.Problems = []store.Problem{}
		}
		if g.json {
			if err := writeJSON(g.stdout, res); err != nil {
				return err
			}
		} else {
			for _, p := range res.Problems {
				fmt.Fprintln(g.stdout, p)
			}
			if cli.Interactive(g.stdout, g.quiet) {
				fmt.Fprintf(g.stdout, "checked %d containers, %d records, %d messages in %d mailboxes: %d problems in %s\n",
					res.Containers, res.Records, res.Messages, res.Mailboxes, len(res.Problems), res.Duration.Round(1e6))
			}
		}
		for _, p := range res.Problems {
			if !p.Repaired {
				return &cli.ExitError{Code: exitPartial}
			}
		}
		return nil
	}
	progress, finish := cli.ByteProgress(g.stderr, g.quiet, "checking")
	defer finish()
	return g.withStore(ctx, func(s *store.Store) error {
		res, err := s.Check(ctx, store.CheckOptions{Repair: o.repair, Progress: progress})
		if err != nil {
			return err
		}
		finish()
		return report(res)
	}, func(c *control.Client) error {
		res, err := c.Check(ctx, control.CheckRequest{Repair: o.repair}, progress)
		if err != nil {
			return err
		}
		finish()
		return report(res)
	})
}

func runRebuild(ctx context.Context, g *globalOptions) error {
	opts, _, err := g.storeOptions()
	if err != nil {
		return err
	}
	return g.withLockOffline(opts, "--rebuild-index", func() error {
		progress, finish := cli.ByteProgress(g.stderr, g.quiet, "rebuilding")
		res, err := store.RebuildIndex(ctx, opts, progress)
		finish()
		if err != nil {
			return err
		}
		if res.Problems == nil {
			res.Problems = []store.Problem{}
		}
		if g.json {
			if err := writeJSON(g.stdout, res); err != nil {
				return err
			}
		} else {
			for _, p := range res.Problems {
				fmt.Fprintln(g.stdout, p)
			}
			if cli.Interactive(g.stdout, g.quiet) {
				fmt.Fprintf(g.stdout, "rebuilt the index from %d containers: %d messages in %d mailboxes (%d deleted skipped); old index kept as %s\n",
					res.Containers, res.Messages, res.Mailboxes, res.Deleted, res.Backup)
			}
		}
		if len(res.Problems) > 0 {
			return &cli.ExitError{Code: exitPartial}
		}
		return nil
	})
}
