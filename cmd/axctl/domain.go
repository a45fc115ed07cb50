package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/axmail/axmail/internal/cli"
	"github.com/axmail/axmail/internal/control"
)

func newDomainCmd(g *globalOptions) *cobra.Command {
	cmd := requireSubcommand(&cobra.Command{Use: "domain", Short: "Manage domains"})
	cmd.AddCommand(newDomainAddCmd(g), newDomainListCmd(g), newDomainShowCmd(g), newDomainSetCmd(g), newDomainRemoveCmd(g))
	return cmd
}

func newDomainAddCmd(g *globalOptions) *cobra.Command {
	var l limitFlags
	cmd := &cobra.Command{
		Use:   "add NAME",
		Short: "Add a domain",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := l.settings()
			if err != nil {
				return err
			}
			return g.withClient(cmd.Context(), func(ctx context.Context, c *control.Client) error {
				d, err := c.AddDomain(ctx, control.DomainRequest{Name: args[0], Settings: s})
				if err != nil {
					return err
				}
				if g.json {
					return g.printJSON(d)
				}
				return nil
			})
		},
	}
	l.addFlags(cmd, false)
	return cmd
}

func newDomainListCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List domains",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withClient(cmd.Context(), func(ctx context.Context, c *control.Client) error {
				ds, err := c.Domains(ctx)
				if err != nil {
					return err
				}
				if g.json {
					return g.printJSON(ds)
				}
				tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "DOMAIN\tACCOUNTS\tALIASES\tCREATED")
				for _, d := range ds {
					fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", d.Name, d.Accounts, d.Aliases, d.Created.Format("2006-01-02"))
				}
				return tw.Flush()
			})
		},
	}
}

func newDomainShowCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "show NAME",
		Short: "Show a domain and its effective settings",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withClient(cmd.Context(), func(ctx context.Context, c *control.Client) error {
				info, err := c.Domain(ctx, args[0])
				if err != nil {
					return err
				}
				if g.json {
					return g.printJSON(info)
				}
				fmt.Fprintf(g.stdout, "domain    %s\naccounts  %d\naliases   %d\ncreated   %s\nsettings:\n",
					info.Domain.Name, info.Domain.Accounts, info.Domain.Aliases, info.Domain.Created.Format("2006-01-02 15:04:05"))
				writeEffective(g.stdout, info.Effective, info.Origins)
				return nil
			})
		},
	}
}

func newDomainSetCmd(g *globalOptions) *cobra.Command {
	var l limitFlags
	var enabled bool
	cmd := &cobra.Command{
		Use:   "set NAME",
		Short: "Change a domain's settings",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := l.patch()
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("enabled") {
				p.Set.Enabled = &enabled
			}
			return g.withClient(cmd.Context(), func(ctx context.Context, c *control.Client) error {
				d, err := c.SetDomain(ctx, args[0], p)
				if err != nil {
					return err
				}
				if g.json {
					return g.printJSON(d)
				}
				return nil
			})
		},
	}
	l.addFlags(cmd, true)
	cmd.Flags().BoolVar(&enabled, "enabled", true, "enable or (--enabled=false) disable the domain and all its accounts")
	return cmd
}

func newDomainRemoveCmd(g *globalOptions) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "remove NAME",
		Short: "Remove a domain (with --force, its accounts, their mail, and its aliases)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withClient(cmd.Context(), func(ctx context.Context, c *control.Client) error {
				r, err := c.RemoveDomain(ctx, args[0], force)
				if err != nil {
					return err
				}
				if g.json {
					return g.printJSON(r)
				}
				// A message, not data: on stderr, and only for a person
				// (silent on success without a terminal; cron mails output).
				if force && cli.Interactive(g.stderr, g.quiet) {
					fmt.Fprintf(g.stderr, "removed %s with %d accounts and %d aliases\n", args[0], len(r.Accounts), len(r.Aliases))
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "also remove the domain's accounts (and their mail) and aliases")
	return cmd
}
