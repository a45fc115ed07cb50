package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/viper"

	"github.com/axmail/axmail/internal/cli"
	"github.com/axmail/axmail/internal/config"
	"github.com/axmail/axmail/internal/control"
	"github.com/axmail/axmail/internal/store"
	"github.com/axmail/axmail/internal/storeconf"
)

// globalOptions are the flags every command shares.
type globalOptions struct {
	configFile string
	dataDir    string
	json       bool
	quiet      bool
	stdout     io.Writer
	stderr     io.Writer
}

func (g *globalOptions) addFlags(cmd *cobra.Command) {
	f := cmd.PersistentFlags()
	f.StringVar(&g.configFile, "config", "", "axd configuration file (YAML); AXD_CONFIG also names one")
	f.StringVar(&g.dataDir, "data-dir", "", "data directory (overrides the configuration)")
	f.BoolVar(&g.json, "json", false, "print a JSON summary on stdout")
	f.BoolVarP(&g.quiet, "quiet", "q", false, "no progress bar and no summary, even on a terminal")
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	g := &globalOptions{stdout: stdout, stderr: stderr}
	cmd := &cobra.Command{
		Use:   "axcompact",
		Short: "Compact and check axmail's message store",
		Long: `axcompact reclaims the space of deleted messages (run), verifies the
store's consistency (check) and shrinks index.db to the pages it uses
(index, offline only). It takes the data directory's lock and works
offline; while axd holds the lock, it runs inside axd through axd's control
socket. It is silent on success unless stdout is a terminal, so cron mails
only what needs attention.` + "\n" + exitStatusHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &cli.ExitError{Code: exitUsage, Err: err}
	})
	g.addFlags(cmd)
	cmd.AddCommand(newRunCmd(g), newCheckCmd(g), newIndexCmd(g))
	return cmd
}

// storeOptions loads the configuration into store options and the path
// of axd's control socket.
func (g *globalOptions) storeOptions() (store.Options, string, error) {
	v := viper.New()
	if g.dataDir != "" {
		v.Set("data_dir", g.dataDir)
	}
	c, err := config.Load(g.configFile, v)
	if err != nil {
		return store.Options{}, "", err
	}
	o := storeconf.Options(c, slog.New(slog.NewTextHandler(g.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	o.CacheMessages = -1 // no IMAP sessions here
	return o, c.SocketPath(), nil
}

// withLock takes the data-dir lock and runs fn; a held lock is exit 75.
func (g *globalOptions) withLock(opts store.Options, fn func() error) error {
	if _, err := os.Stat(opts.DataDir); err != nil {
		return &cli.ExitError{Code: exitConfig, Err: fmt.Errorf("data directory %s: %w", opts.DataDir, err)}
	}
	lock, err := store.Lock(opts.DataDir, "axcompact")
	if errors.Is(err, store.ErrLocked) {
		return &cli.ExitError{Code: exitTempFail, Err: err}
	}
	if err != nil {
		return err
	}
	defer lock.Unlock()
	return fn()
}

// withLockOffline is withLock for what works offline only (what): a held
// lock says to stop axd.
func (g *globalOptions) withLockOffline(opts store.Options, what string, fn func() error) error {
	err := g.withLock(opts, fn)
	var ee *cli.ExitError
	if errors.As(err, &ee) && ee.Code == exitTempFail {
		return &cli.ExitError{Code: exitTempFail, Err: fmt.Errorf("%w; %s works offline only: stop axd first", ee.Err, what)}
	}
	return err
}

// withStore runs offline on the store, under the data-dir lock; when axd
// holds the lock, it runs online through axd's control socket instead.
func (g *globalOptions) withStore(ctx context.Context, offline func(*store.Store) error, online func(*control.Client) error) error {
	opts, sock, err := g.storeOptions()
	if err != nil {
		return err
	}
	err = g.withLock(opts, func() error {
		s, err := store.Open(opts)
		if err != nil {
			return err
		}
		ferr := offline(s)
		if err := s.Close(); ferr == nil {
			ferr = err
		}
		return ferr
	})
	var ee *cli.ExitError
	if !errors.As(err, &ee) || ee.Code != exitTempFail || online == nil {
		return err
	}
	c := control.NewClient(sock)
	if _, serr := c.Status(ctx); serr != nil {
		return &cli.ExitError{Code: exitTempFail, Err: fmt.Errorf("%w; and axd does not answer on %s: %v", ee.Err, sock, serr)}
	}
	return online(c)
}
