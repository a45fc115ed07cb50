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
		Short: "Write accounts as CSV in the import format (with password hashes; --json: a JSON array)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withClient(cmd.Context(), func(ctx context.Context, c *control.Client) error {
				if g.json {
					enc := newJSONArray(g.stdout)
					if err := c.Export(ctx, domain, func(r control.ExportRow) error { return enc.add(r) }); err != nil {
						return err
					}
					return enc.close()
				}
				// The header waits for the first row or for success: a
				// failed export (axd down, a bad --domain) writes nothing
				// that could pass for an empty one.
				w := csv.NewWriter(g.stdout)
				header := false
				writeHeader := func() error {
					if header {
						return nil
					}
					header = true
					return w.Write(exportColumns)
				}
				err := c.Export(ctx, domain, func(r control.ExportRow) error {
					if err := writeHeader(); err != nil {
						return err
					}
					return w.Write([]string{r.Email, r.PasswordHash, optInt(r.Quota), optInt(r.MaxMessageSize),
						r.DisplayName, optBool(r.Enabled), strings.Join(r.Aliases, ";")})
				})
				if err == nil {
					err = writeHeader()
				}
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
