package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/axmail/axmail/internal/control"
)

func newSettingsCmd(g *globalOptions) *cobra.Command {
	cmd := requireSubcommand(&cobra.Command{Use: "settings", Short: "Server-level settings that domains and accounts inherit"})
	show := &cobra.Command{
		Use:   "show",
		Short: "Show the server-level settings",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withClient(cmd.Context(), func(ctx context.Context, c *control.Client) error {
				s, err := c.Settings(ctx)
				if err != nil {
					return err
				}
				return g.printSettings(s)
			})
		},
	}
	var l limitFlags
	set := &cobra.Command{
		Use:   "set",
		Short: "Change server-level settings (stored by axd; --inherit returns a setting to the config's value)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := l.patch()
			if err != nil {
				return err
			}
			return g.withClient(cmd.Context(), func(ctx context.Context, c *control.Client) error {
				s, err := c.SetSettings(ctx, p)
				if err != nil {
					return err
				}
				if g.json {
					return g.printJSON(s)
				}
				return nil
			})
		},
	}
	l.addFlags(set, true)
	cmd.AddCommand(show, set)
	return cmd
}

func (g *globalOptions) printSettings(s control.SettingsInfo) error {
	if g.json {
		return g.printJSON(s)
	}
	fmt.Fprintln(g.stdout, "server settings:")
	writeEffective(g.stdout, s.Effective, s.Origins)
	return nil
}
