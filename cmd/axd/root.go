package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/viper"
	"gopkg.in/yaml.v3"

	"github.com/axmail/axmail/internal/config"
	"github.com/axmail/axmail/internal/daemon"
	"github.com/axmail/axmail/internal/store"
)

const exitStatusHelp = `
EXIT STATUS
  0   stopped cleanly (or the command succeeded)
  64  usage error
  69  a service could not start (address in use, control socket busy)
  75  the data directory is locked by another process
  78  bad configuration
`

type rootOptions struct {
	configFile string
	dataDir    string
	stdout     io.Writer
	stderr     io.Writer
}

// load reads the configuration with --data-dir applied.
func (o *rootOptions) load() (*config.Config, error) {
	v := viper.New()
	if o.dataDir != "" {
		v.Set("data_dir", o.dataDir)
	}
	return config.Load(o.configFile, v)
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	o := &rootOptions{stdout: stdout, stderr: stderr}
	cmd := &cobra.Command{
		Use:   "axd",
		Short: "axmail's mail daemon",
		Long: `axd runs axmail: the message store, the control socket that axctl,
axcompact and axmigrate use, and the metrics endpoint. With no
configuration file it runs on embedded defaults: data in ./axdata,
listeners on 127.0.0.1 with unprivileged ports.

Configuration: --config FILE (or AXD_CONFIG), then AXD_* variables (the key
path upper-cased with _ for ., e.g. AXD_LISTENERS_IMAP_LISTEN), then flags.
SIGTERM and SIGINT stop it within shutdown_timeout; SIGHUP reloads the
configuration (log level live; the rest logged as needing a restart).` + "\n" + exitStatusHelp,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDaemon(o)
		},
	}
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	f := cmd.PersistentFlags()
	f.StringVar(&o.configFile, "config", "", "configuration file (YAML)")
	f.StringVar(&o.dataDir, "data-dir", "", "data directory (overrides data_dir)")
	cmd.AddCommand(newConfigCmd(o), newVersionCmd(o))
	return cmd
}

func runDaemon(o *rootOptions) error {
	cfg, err := o.load()
	if err != nil {
		return err
	}
	d, err := daemon.New(cfg, daemon.Options{Version: version, LogOutput: o.stderr, Reload: o.load})
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	return d.Run(ctx, hup)
}

func newConfigCmd(o *rootOptions) *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Print or check the configuration"}
	cmd.AddCommand(&cobra.Command{
		Use:   "print",
		Short: "Print the effective configuration as YAML (secrets redacted)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			cfg, err := o.load()
			if err != nil {
				return err
			}
			enc := yaml.NewEncoder(o.stdout)
			enc.SetIndent(2)
			if err := enc.Encode(redacted(cfg)); err != nil {
				return err
			}
			return enc.Close()
		},
	}, &cobra.Command{
		Use:   "check",
		Short: "Validate the configuration; exit 78 naming each bad key",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if _, err := o.load(); err != nil {
				return err
			}
			fmt.Fprintln(o.stdout, "configuration ok")
			return nil
		},
	})
	return cmd
}

// redacted returns a copy of the configuration safe to print. No key holds
// a secret yet; keys that will (TLS key passphrases, relay passwords) are
// blanked here.
func redacted(c *config.Config) *config.Config {
	cp := *c
	return &cp
}

func newVersionCmd(o *rootOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run:   func(*cobra.Command, []string) { fmt.Fprintln(o.stdout, "axd", version) },
	}
}

type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }

func exitCode(err error) int {
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		return 64
	case config.IsConfigError(err):
		return 78
	case errors.Is(err, store.ErrLocked):
		return 75
	default:
		return 69
	}
}
