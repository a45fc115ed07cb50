package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/axmail/axmail/internal/control"
)

const listenerListHelp = `Lists every configured listener: its service, state (serving, disabled
when it has no listen address, unavailable when its service is not built
yet), bound address, TLS mode, its connections now and the sessions of its
service against the service's cap (services.<service>.max_sessions,
shared by all the service's listeners), connections accepted, refused
(by reason) and dropped by error control since axd started. Listeners
with rules get a second table, one row per rule, with its connections
now, the distinct addresses behind them, and its counts.
` + `
EXIT STATUS
  0   listed
  69  axd is not running or its control socket is unreachable
  70  axd refused the request, or another error
  78  bad configuration
`

func newListenerCmd(g *globalOptions) *cobra.Command {
	cmd := requireSubcommand(&cobra.Command{Use: "listener", Short: "Inspect axd's network listeners"})
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List listeners with their connections, limits and refusals",
		Long:  listenerListHelp,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withClient(cmd.Context(), func(ctx context.Context, c *control.Client) error {
				ls, err := c.Listeners(ctx)
				if err != nil {
					return err
				}
				if g.json {
					return g.printJSON(ls)
				}
				return writeListeners(g.stdout, ls)
			})
		},
	})
	return cmd
}

// writeListeners prints the listeners table, then the rules table if any
// listener has rules.
func writeListeners(w io.Writer, ls []control.ListenerInfo) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LISTENER\tSERVICE\tSTATE\tADDRESS\tTLS\tACTIVE\tSERVICE SESSIONS\tACCEPTED\tREFUSED\tDROPPED")
	rules := false
	for _, l := range ls {
		addr := l.Addr
		if addr == "" {
			addr = l.Listen
		}
		if addr == "" {
			addr = "-"
		}
		max := "unlimited"
		if l.MaxSessions > 0 {
			max = fmt.Sprint(l.MaxSessions)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d/%s\t%d\t%s\t%d\n", l.Name, l.Service, l.State, addr, l.TLS,
			l.Active, l.ServiceActive, max, l.Accepted, refusals(l.Refused), l.Dropped)
		rules = rules || len(l.Rules) > 0
	}
	if err := tw.Flush(); err != nil || !rules {
		return err
	}
	fmt.Fprintln(w)
	fmt.Fprintln(tw, "LISTENER\tRULE\tMATCH\tACTION\tLIMITS\tACTIVE\tADDRESSES\tACCEPTED\tREFUSED")
	for _, l := range ls {
		for i, r := range l.Rules {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%d\t%d\t%d\t%d\n", l.Name, i, r.Rule.Match, r.Rule.Action,
				ruleLimits(r.Rule.MaxConnections, r.Rule.MaxConnectionsPerIP, r.Rule.Rate, r.Rule.RatePerIP, r.Rule.RateInterval.String()),
				r.Active, r.ActiveIP, r.Accepted, r.Refused)
		}
	}
	return tw.Flush()
}

// refusals prints counts by reason, "0" when there are none.
func refusals(m map[string]uint64) string {
	if len(m) == 0 {
		return "0"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, m[k])
	}
	return strings.Join(parts, ",")
}

// ruleLimits prints a rule's non-zero limits, "-" when it has none.
func ruleLimits(maxConn, maxPerIP, rate, ratePerIP int, interval string) string {
	var parts []string
	if maxConn > 0 {
		parts = append(parts, fmt.Sprintf("max_connections=%d", maxConn))
	}
	if maxPerIP > 0 {
		parts = append(parts, fmt.Sprintf("max_connections_per_ip=%d", maxPerIP))
	}
	if rate > 0 {
		parts = append(parts, fmt.Sprintf("rate=%d", rate))
	}
	if ratePerIP > 0 {
		parts = append(parts, fmt.Sprintf("rate_per_ip=%d", ratePerIP))
	}
	if rate > 0 || ratePerIP > 0 {
		if interval == "0s" {
			interval = "1m0s"
		}
		parts = append(parts, "per "+interval)
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ",")
}
