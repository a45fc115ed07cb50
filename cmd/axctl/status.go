package main

import (
	"context"
	"fmt"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/axmail/axmail/internal/control"
)

func newStatusCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show axd's status",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withClient(cmd.Context(), func(ctx context.Context, c *control.Client) error {
				st, err := c.Status(ctx)
				if err != nil {
					return err
				}
				if g.json {
					return g.printJSON(st)
				}
				tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintf(tw, "version\t%s\n", st.Version)
				fmt.Fprintf(tw, "pid\t%d\n", st.PID)
				fmt.Fprintf(tw, "up since\t%s (%s)\n", st.Started.Format(time.RFC3339), time.Since(st.Started).Round(time.Second))
				fmt.Fprintf(tw, "hostname\t%s\n", st.Hostname)
				fmt.Fprintf(tw, "data dir\t%s\n", st.DataDir)
				fmt.Fprintf(tw, "domains\t%d\n", st.Domains)
				fmt.Fprintf(tw, "accounts\t%d\n", st.Accounts)
				names := make([]string, 0, len(st.Listeners))
				for n := range st.Listeners {
					names = append(names, n)
				}
				sort.Strings(names)
				for _, n := range names {
					fmt.Fprintf(tw, "listener %s\t%s\n", n, st.Listeners[n])
				}
				return tw.Flush()
			})
		},
	}
}
