package main

import (
	"context"
	"encoding/json"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/viper"

	"github.com/axmail/axmail/internal/cli"
	"github.com/axmail/axmail/internal/config"
	"github.com/axmail/axmail/internal/control"
)

// globalOptions are the flags every command shares.
type globalOptions struct {
	configFile string
	socket     string
	dataDir    string
	json       bool
	quiet      bool
	stdin      io.Reader
	stdout     io.Writer
	stderr     io.Writer
}

func newRootCmd(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	g := &globalOptions{stdin: stdin, stdout: stdout, stderr: stderr}
	cmd := &cobra.Command{
		Use:   "axctl",
		Short: "Administer axd through its control socket",
		Long: `axctl drives a running axd through its control socket: status, store
maintenance, and (as they land) domains, accounts, aliases, settings and
bulk import. The socket is found through --socket, or the configuration
(--config, AXD_CONFIG), or --data-dir (<data_dir>/control.sock).` + "\n" + exitStatusHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	cmd.SetIn(stdin)
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &cli.ExitError{Code: exitUsage, Err: err} })
	f := cmd.PersistentFlags()
	f.StringVar(&g.configFile, "config", "", "axd configuration file (finds the socket)")
	f.StringVar(&g.socket, "socket", "", "control socket path")
	f.StringVar(&g.dataDir, "data-dir", "", "data directory (its control.sock)")
	f.BoolVar(&g.json, "json", false, "print JSON instead of tables")
	f.BoolVarP(&g.quiet, "quiet", "q", false, "no progress bars")
	cmd.AddCommand(newStatusCmd(g), newCompactCmd(g), newCheckCmd(g), newDomainCmd(g), newAccountCmd(g),
		newAliasCmd(g), newSettingsCmd(g), newExportCmd(g), newImportCmd(g), newListenerCmd(g), newBanCmd(g))
	cmd.AddCommand(newQueueCmd(g))
	return cmd
}

// client finds the socket and returns a client for it.
func (g *globalOptions) client() (*control.Client, error) {
	if g.socket != "" {
		return control.NewClient(g.socket), nil
	}
	v := viper.New()
	if g.dataDir != "" {
		v.Set("data_dir", g.dataDir)
	}
	c, err := config.Load(g.configFile, v)
	if err != nil {
		return nil, err
	}
	return control.NewClient(c.SocketPath()), nil
}

func (g *globalOptions) printJSON(v any) error {
	enc := json.NewEncoder(g.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// withClient runs fn with a client; ctx is the command's.
func (g *globalOptions) withClient(ctx context.Context, fn func(context.Context, *control.Client) error) error {
	c, err := g.client()
	if err != nil {
		return err
	}
	return fn(ctx, c)
}
