package main

import (
	"context"
	"fmt"
	"net/netip"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/axmail/axmail/internal/cli"
	"github.com/axmail/axmail/internal/control"
)

const banHelp = `Bans are made by axd's penalties: an address whose sessions were dropped
penalties.ban_after_drops times within penalties.ban_window (too many bad
commands or failed logins) is refused by every listener for
penalties.ban_duration, unless an allow rule matches it. Bans live in
memory: a restart lifts them all.
`

const banRemoveExitHelp = `
EXIT STATUS
  0   every ban lifted
  2   done in part: some addresses were not banned (named on stderr)
  64  usage error: an argument is not an IP address
  69  axd is not running or its control socket is unreachable
  70  no address was banned, or axd refused the request
  78  bad configuration
`

const banListExitHelp = `
EXIT STATUS
  0   listed
  69  axd is not running or its control socket is unreachable
  70  axd refused the request, or another error
  78  bad configuration
`

func newBanCmd(g *globalOptions) *cobra.Command {
	cmd := requireSubcommand(&cobra.Command{Use: "ban", Short: "List and lift bans of client addresses", Long: banHelp})
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the banned addresses",
		Long:  banHelp + banListExitHelp,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withClient(cmd.Context(), func(ctx context.Context, c *control.Client) error {
				bans, err := c.Bans(ctx)
				if err != nil {
					return err
				}
				if g.json {
					return g.printJSON(bans)
				}
				tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ADDRESS\tREASON\tSINCE\tUNTIL")
				for _, b := range bans {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", b.IP, b.Reason, b.Since.Format(time.RFC3339), b.Until.Format(time.RFC3339))
				}
				return tw.Flush()
			})
		},
	}, &cobra.Command{
		Use:   "remove IP...",
		Short: "Lift the bans of addresses",
		Long:  banHelp + banRemoveExitHelp,
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, a := range args {
				if _, err := netip.ParseAddr(a); err != nil {
					return &cli.ExitError{Code: exitUsage, Err: fmt.Errorf("%q is not an IP address", a)}
				}
			}
			return g.withClient(cmd.Context(), func(ctx context.Context, c *control.Client) error {
				return runBanRemove(ctx, g, c, args)
			})
		},
	})
	return cmd
}

// runBanRemove lifts each ban. An address that is not banned is named on
// stderr and the others still go; an unreachable daemon stops at once.
func runBanRemove(ctx context.Context, g *globalOptions, c *control.Client, ips []string) error {
	var failed int
	var last error
	for _, ip := range ips {
		err := c.Unban(ctx, ip)
		if err == nil {
			continue
		}
		if !control.IsCode(err, control.CodeNotFound) {
			return err
		}
		failed++
		last = err
		if len(ips) > 1 {
			fmt.Fprintf(g.stderr, "axctl: %s is not banned\n", ip)
		}
	}
	switch {
	case failed == 0:
		return nil
	case failed == len(ips):
		if len(ips) == 1 {
			return last
		}
		return &cli.ExitError{Code: exitSoftware, Err: fmt.Errorf("none of the %d addresses was banned", len(ips))}
	default:
		return &cli.ExitError{Code: exitPartial, Err: fmt.Errorf("%d of %d addresses were not banned", failed, len(ips))}
	}
}
