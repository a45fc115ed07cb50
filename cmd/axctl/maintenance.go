package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/axmail/axmail/internal/cli"
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
				return &cli.ExitError{Code: exitUsage, Err: fmt.Errorf("--threshold %v: want a percentage in (0, 100]", threshold)}
			}
			return g.withClient(cmd.Context(), func(ctx context.Context, c *control.Client) error {
				progress, finish := cli.ByteProgress(g.stderr, g.quiet, "compacting")
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
					return &cli.ExitError{Code: exitPartial}
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
				progress, finish := cli.ByteProgress(g.stderr, g.quiet, "checking")
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
						return &cli.ExitError{Code: exitPartial}
					}
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&repair, "repair", false, "fix what can be fixed")
	return cmd
}
