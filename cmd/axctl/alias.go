package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/axmail/axmail/internal/control"
)

func newAliasCmd(g *globalOptions) *cobra.Command {
	cmd := requireSubcommand(&cobra.Command{Use: "alias", Short: "Manage aliases (@domain is the catch-all)"})
	cmd.AddCommand(&cobra.Command{
		Use:   "add ALIAS TARGET...",
		Short: "Add an alias, or targets to it",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withClient(cmd.Context(), func(ctx context.Context, c *control.Client) error {
				a, err := c.AddAlias(ctx, control.AliasRequest{Address: args[0], Targets: args[1:]})
				if err != nil {
					return err
				}
				if g.json {
					return g.printJSON(a)
				}
				return nil
			})
		},
	}, newAliasListCmd(g), &cobra.Command{
		Use:   "remove ALIAS",
		Short: "Remove an alias",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withClient(cmd.Context(), func(ctx context.Context, c *control.Client) error {
				return c.RemoveAlias(ctx, args[0])
			})
		},
	})
	return cmd
}

func newAliasListCmd(g *globalOptions) *cobra.Command {
	var domain string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List aliases",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withClient(cmd.Context(), func(ctx context.Context, c *control.Client) error {
				as, err := c.Aliases(ctx, domain)
				if err != nil {
					return err
				}
				if g.json {
					return g.printJSON(as)
				}
				tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ALIAS\tTARGETS")
				for _, a := range as {
					fmt.Fprintf(tw, "%s\t%s\n", a.Address, strings.Join(a.Targets, ", "))
				}
				return tw.Flush()
			})
		},
	}
	cmd.Flags().StringVar(&domain, "domain", "", "only this domain's aliases")
	return cmd
}
