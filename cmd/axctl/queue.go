package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/axmail/axmail/internal/cli"
	"github.com/axmail/axmail/internal/control"
)

func newQueueCmd(g *globalOptions) *cobra.Command {
	cmd := requireSubcommand(&cobra.Command{
		Use:   "queue",
		Short: "Inspect and remove mail queued for remote recipients",
	})
	cmd.AddCommand(newQueueListCmd(g), newQueueShowCmd(g), newQueueRemoveCmd(g))
	return cmd
}

func newQueueListCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List queued messages, oldest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withClient(cmd.Context(), func(ctx context.Context, c *control.Client) error {
				ms, err := c.Queue(ctx)
				if err != nil {
					return err
				}
				if g.json {
					return g.printJSON(ms)
				}
				return writeQueueTable(g.stdout, ms, time.Now())
			})
		},
	}
}

// writeQueueTable prints one row per message. The last error comes last
// since it may hold spaces.
func writeQueueTable(w io.Writer, ms []control.QueueMessage, now time.Time) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tFROM\tRECIPIENTS\tSIZE\tAGE\tATTEMPTS\tLAST ERROR")
	for _, m := range ms {
		rcpts := make([]string, len(m.Recipients))
		for i, r := range m.Recipients {
			rcpts[i] = r.Address
		}
		lastErr := m.LastError
		if lastErr == "" {
			lastErr = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", m.ID, reversePath(m.From), strings.Join(rcpts, ","),
			humanSize(m.Size), age(now.Sub(m.Created)), m.Attempts, lastErr)
	}
	return tw.Flush()
}

// humanSize prints a byte count with one decimal in K, M or G (powers of
// 1024), or in bytes below 1K.
func humanSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprint(n)
	}
	v, suffix := float64(n)/unit, "K"
	for _, s := range []string{"M", "G", "T"} {
		if v < unit {
			break
		}
		v, suffix = v/unit, s
	}
	return fmt.Sprintf("%.1f%s", v, suffix)
}

// reversePath shows the null sender as SMTP writes it.
func reversePath(from string) string {
	if from == "" {
		return "<>"
	}
	return from
}

// age prints a duration as its two largest units: 45s, 12m30s, 3h5m, 2d4h.
func age(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	d = d.Truncate(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh%dm", int(d.Hours()), int(d.Minutes())%60)
	default:
		return fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
	}
}

func newQueueShowCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show a queued message's envelope",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withClient(cmd.Context(), func(ctx context.Context, c *control.Client) error {
				m, err := c.QueuedMessage(ctx, args[0])
				if err != nil {
					return err
				}
				if g.json {
					return g.printJSON(m)
				}
				return writeQueueMessage(g.stdout, m, time.Now())
			})
		},
	}
}

func writeQueueMessage(w io.Writer, m control.QueueMessage, now time.Time) error {
	orNone := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "id\t%s\n", m.ID)
	fmt.Fprintf(tw, "from\t%s\n", reversePath(m.From))
	fmt.Fprintf(tw, "account\t%s\n", orNone(m.Account))
	fmt.Fprintf(tw, "client\t%s\n", orNone(m.ClientIP))
	fmt.Fprintf(tw, "created\t%s (%s ago)\n", m.Created.Format(time.RFC3339), age(now.Sub(m.Created)))
	fmt.Fprintf(tw, "size\t%d\n", m.Size)
	fmt.Fprintf(tw, "ret\t%s\n", orNone(m.Ret))
	fmt.Fprintf(tw, "envid\t%s\n", orNone(m.EnvID))
	fmt.Fprintf(tw, "attempts\t%d\n", m.Attempts)
	next := "-"
	if m.NextAttempt != nil {
		next = m.NextAttempt.Format(time.RFC3339)
	}
	fmt.Fprintf(tw, "next attempt\t%s\n", next)
	fmt.Fprintf(tw, "last error\t%s\n", orNone(m.LastError))
	fmt.Fprintln(tw, "recipients:")
	for _, r := range m.Recipients {
		var dsn []string
		if len(r.Notify) > 0 {
			dsn = append(dsn, "notify="+strings.Join(r.Notify, ","))
		}
		if r.ORcpt != "" {
			dsn = append(dsn, "orcpt="+r.ORcpt)
		}
		if len(dsn) == 0 {
			fmt.Fprintf(tw, "  %s\n", r.Address)
			continue
		}
		fmt.Fprintf(tw, "  %s\t%s\n", r.Address, strings.Join(dsn, " "))
	}
	return tw.Flush()
}

func newQueueRemoveCmd(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "remove ID...",
		Short: "Remove queued messages without delivering them",
		Long: `Remove queued messages without delivering them or sending a bounce.
Each ID that cannot be removed is reported on stderr and the others are
still removed; then the exit status is 2 (70 when none was removed).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withClient(cmd.Context(), func(ctx context.Context, c *control.Client) error {
				return removeQueued(ctx, c, args, g.stderr)
			})
		},
	}
}

// removeQueued removes each ID; an unreachable daemon stops it at once.
func removeQueued(ctx context.Context, c *control.Client, ids []string, stderr io.Writer) error {
	var failed []error
	for _, id := range ids {
		err := c.RemoveQueued(ctx, id)
		if errors.Is(err, control.ErrUnreachable) || ctx.Err() != nil {
			return err
		}
		if err != nil {
			failed = append(failed, err) // the daemon's message names the ID
		}
	}
	switch {
	case len(failed) == 0:
		return nil
	case len(ids) == 1:
		return failed[0]
	}
	for _, err := range failed {
		fmt.Fprintf(stderr, "axctl: queue remove: %v\n", err)
	}
	code := exitPartial
	if len(failed) == len(ids) {
		code = exitSoftware
	}
	return &cli.ExitError{Code: code, Err: fmt.Errorf("removed %d of %d messages", len(ids)-len(failed), len(ids))}
}
