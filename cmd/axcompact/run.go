package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/axmail/axmail/internal/cli"
	"github.com/axmail/axmail/internal/control"
	"github.com/axmail/axmail/internal/store"
)

type runOptions struct {
	threshold float64
	dryRun    bool
}

func (o *runOptions) addFlags(cmd *cobra.Command) {
	cmd.Flags().Float64Var(&o.threshold, "threshold", 40, "compact containers whose deleted bytes are at least this percentage")
	cmd.Flags().BoolVarP(&o.dryRun, "dry-run", "n", false, "report what would be compacted, change nothing")
}

func newRunCmd(g *globalOptions) *cobra.Command {
	o := &runOptions{}
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Reclaim the space of deleted messages",
		Long: `run copies the live messages of every container whose garbage is at least
--threshold percent into new containers, verifying each checksum, then
deletes the old containers. Killed at any moment, it loses nothing; the
next run (or axd's start) finishes or undoes the interrupted step.
While axd runs, the compaction runs inside axd through its control socket.
A container with a damaged live record is skipped and reported (exit 2).` + "\n" + exitStatusHelp,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRun(cmd.Context(), g, o)
		},
	}
	o.addFlags(cmd)
	return cmd
}

func runRun(ctx context.Context, g *globalOptions, o *runOptions) error {
	if o.threshold <= 0 || o.threshold > 100 {
		return &cli.ExitError{Code: exitUsage, Err: fmt.Errorf("--threshold %v: want a percentage in (0, 100]", o.threshold)}
	}
	report := func(res store.CompactResult) error {
		if err := reportRun(g, res); err != nil {
			return err
		}
		if len(res.Skipped) > 0 {
			return &cli.ExitError{Code: exitPartial}
		}
		return ctx.Err()
	}
	progress, finish := cli.ByteProgress(g.stderr, g.quiet, "compacting")
	defer finish()
	return g.withStore(ctx, func(s *store.Store) error {
		res, err := s.Compact(ctx, store.CompactOptions{Threshold: o.threshold / 100, DryRun: o.dryRun, Progress: progress})
		if err != nil {
			return err
		}
		finish()
		return report(res)
	}, func(c *control.Client) error {
		res, err := c.Compact(ctx, control.CompactRequest{Threshold: o.threshold / 100, DryRun: o.dryRun}, progress)
		if err != nil {
			return err
		}
		finish()
		return report(res)
	})
}

func reportRun(g *globalOptions, res store.CompactResult) error {
	if g.json {
		if res.Skipped == nil {
			res.Skipped = []store.Problem{}
		}
		return writeJSON(g.stdout, res)
	}
	for _, p := range res.Skipped {
		fmt.Fprintln(g.stdout, p)
	}
	if cli.Interactive(g.stdout, g.quiet) {
		verb := "compacted"
		if res.DryRun {
			verb = "would compact"
		}
		fmt.Fprintf(g.stdout, "%s %d of %d candidate containers: %s live copied, %s reclaimed in %s\n",
			verb, max(res.Compacted, dryCount(res)), res.Candidates, human(res.LiveBytes), human(res.Reclaimed), res.Duration.Round(1e6))
	}
	return nil
}

func dryCount(res store.CompactResult) int {
	if res.DryRun {
		return res.Candidates
	}
	return 0
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// human formats a byte count with a binary unit.
func human(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
