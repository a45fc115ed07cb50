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
	"golang.org/x/term"

	"github.com/axmail/axmail/internal/config"
	"github.com/axmail/axmail/internal/message"
	"github.com/axmail/axmail/internal/store"
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
		Long: `axcompact reclaims the space of deleted messages (run) and verifies the
store's consistency (check). It works offline: it takes the data directory's
lock and refuses to run while axd holds it. It is silent on success unless
stdout is a terminal, so cron mails only what needs attention.` + "\n" + exitStatusHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &exitError{code: exitUsage, err: err}
	})
	g.addFlags(cmd)
	cmd.AddCommand(newRunCmd(g), newCheckCmd(g))
	return cmd
}

// storeOptions loads the configuration into store options.
func (g *globalOptions) storeOptions() (store.Options, error) {
	c, err := config.Load(g.configFile, viper.New())
	if err != nil {
		return store.Options{}, err
	}
	dir := c.DataDir
	if g.dataDir != "" {
		dir = g.dataDir
	}
	return store.Options{
		DataDir:       dir,
		Paths:         c.Store.Paths,
		Dirs:          c.Store.Dirs,
		ContainerSize: int64(c.Store.ContainerSize),
		CacheMessages: -1, // no IMAP sessions here
		Summarize:     summarize,
		Logger:        slog.New(slog.NewTextHandler(g.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}, nil
}

// summarize caches ENVELOPE and BODYSTRUCTURE for messages that a repair
// or rebuild brings back.
func summarize(r io.Reader) ([]byte, error) {
	s, err := message.Summarize(r)
	if err != nil {
		return nil, err
	}
	return s.MarshalBinary()
}

// withLock takes the data-dir lock and runs fn; a held lock is exit 75.
func (g *globalOptions) withLock(opts store.Options, fn func() error) error {
	if _, err := os.Stat(opts.DataDir); err != nil {
		return &exitError{code: exitConfig, err: fmt.Errorf("data directory %s: %w", opts.DataDir, err)}
	}
	lock, err := store.Lock(opts.DataDir, "axcompact")
	if errors.Is(err, store.ErrLocked) {
		return &exitError{code: exitTempFail, err: fmt.Errorf("%w; axcompact works offline: stop axd first, or retry later", err)}
	}
	if err != nil {
		return err
	}
	defer lock.Unlock()
	return fn()
}

// withStore opens the store under the lock.
func (g *globalOptions) withStore(ctx context.Context, fn func(*store.Store) error) error {
	opts, err := g.storeOptions()
	if err != nil {
		return err
	}
	return g.withLock(opts, func() error {
		s, err := store.Open(opts)
		if err != nil {
			return err
		}
		ferr := fn(s)
		if err := s.Close(); ferr == nil {
			ferr = err
		}
		return ferr
	})
}

// interactive reports whether human output and progress go to a terminal.
func (g *globalOptions) interactive(w io.Writer) bool {
	if g.quiet || os.Getenv("TERM") == "dumb" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
