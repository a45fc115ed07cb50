package main

import (
	"context"
	"encoding/csv"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/axmail/axmail/internal/control"
)

// exportColumns are the import's columns, so that an export re-imports.
var exportColumns = []string{"email", "password_hash", "quota", "max_message_size", "display_name", "enabled", "aliases"}

func newExportCmd(g *globalOptions) *cobra.Command {
	var domain string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write accounts as CSV in the import format (with password hashes)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withClient(cmd.Context(), func(ctx context.Context, c *control.Client) error {
				w := csv.NewWriter(g.stdout)
				if err := w.Write(exportColumns); err != nil {
					return err
				}
				err := c.Export(ctx, domain, func(r control.ExportRow) error {
					return w.Write([]string{r.Email, r.PasswordHash, optInt(r.Quota), optInt(r.MaxMessageSize),
						r.DisplayName, optBool(r.Enabled), strings.Join(r.Aliases, ";")})
				})
				w.Flush()
				if err != nil {
					return err
				}
				return w.Error()
			})
		},
	}
	cmd.Flags().StringVar(&domain, "domain", "", "only this domain's accounts")
	return cmd
}

func optInt(p *int64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatInt(*p, 10)
}

func optBool(p *bool) string {
	if p == nil {
		return ""
	}
	return strconv.FormatBool(*p)
}
