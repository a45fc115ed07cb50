package main

import (
	"context"
	"fmt"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/axmail/axmail/internal/control"
	"github.com/axmail/axmail/internal/store"
)

func newCompactCmd(g *globalOptions) *cobra.Command {
	var threshold float64
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "compact",
		Short: "Compact the store inside axd (as axcompact run)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if threshold <= 0 || threshold > 100 {
				return &exitError{code: exitUsage, err: fmt.Errorf("--threshold %v: want a percentage in (0, 100]", threshold)}
			}
			return g.withClient(cmd.Context(), func(ctx context.Context, c *control.Client) error {
				progress, finish := g.progress("compacting")
				res, err := c.Compact(ctx, control.CompactRequest{Threshold: threshold / 100, DryRun: dryRun}, progress)
				finish()
				if err != nil {
					return err
				}
				if g.json {
					return g.printJSON(res)
				}
				for _, p := range res.Skipped {
					fmt.Fprintln(g.stdout, p)
				}
				fmt.Fprintf(g.stdout, "compacted %d of %d candidate containers: %d bytes live copied, %d reclaimed\n",
					res.Compacted, res.Candidates, res.LiveBytes, res.Reclaimed)
				if len(res.Skipped) > 0 {
					return &exitError{code: exitPartial}
				}
				return nil
			})
		},
	}
	cmd.Flags().Float64Var(&threshold, "threshold", 40, "compact containers whose deleted bytes are at least this percentage")
	cmd.Flags().BoolVarP(&dryRun, "dry-run", "n", false, "report what would be compacted, change nothing")
	return cmd
}

func newCheckCmd(g *globalOptions) *cobra.Command {
	var repair bool
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check the store's consistency inside axd (as axcompact check)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withClient(cmd.Context(), func(ctx context.Context, c *control.Client) error {
				progress, finish := g.progress("checking")
				res, err := c.Check(ctx, control.CheckRequest{Repair: repair}, progress)
				finish()
				if err != nil {
					return err
				}
				if res.Problems == nil {
					res.Problems = []store.Problem{}
				}
				if g.json {
					if err := g.printJSON(res); err != nil {
						return err
					}
				} else {
					for _, p := range res.Problems {
						fmt.Fprintln(g.stdout, p)
					}
					fmt.Fprintf(g.stdout, "checked %d containers, %d messages in %d mailboxes: %d problems\n",
						res.Containers, res.Messages, res.Mailboxes, len(res.Problems))
				}
				for _, p := range res.Problems {
					if !p.Repaired {
						return &exitError{code: exitPartial}
					}
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&repair, "repair", false, "fix what can be fixed")
	return cmd
}

// progress draws a byte progress bar on a terminal stderr.
func (g *globalOptions) progress(desc string) (func(done, total int64), func()) {
	if !g.interactive(g.stderr) {
		return nil, func() {}
	}
	bar := progressbar.NewOptions64(-1, progressbar.OptionSetWriter(g.stderr), progressbar.OptionSetDescription(desc),
		progressbar.OptionShowBytes(true), progressbar.OptionClearOnFinish())
	return func(done, total int64) {
		bar.ChangeMax64(total)
		_ = bar.Set64(done)
	}, func() { _ = bar.Finish() }
}
