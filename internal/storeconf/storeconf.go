// Package storeconf turns axmail's configuration into the store's options.
// axd and the offline tools share it; the tools must not link the daemon
// (its protocols and metrics cost every run of axcompact its start-up).
package storeconf

import (
	"io"
	"log/slog"

	"github.com/axmail/axmail/internal/config"
	"github.com/axmail/axmail/internal/message"
	"github.com/axmail/axmail/internal/store"
)

// Options turns the configuration into store options.
func Options(cfg *config.Config, log *slog.Logger) store.Options {
	return store.Options{
		DataDir:       cfg.DataDir,
		Paths:         cfg.Store.Paths,
		Dirs:          cfg.Store.Dirs,
		ContainerSize: int64(cfg.Store.ContainerSize),
		CacheMessages: cfg.Store.CacheMessages,
		Summarize:     Summarize,
		Logger:        log,
	}
}

// Summarize is the store's summary function: ENVELOPE and BODYSTRUCTURE.
func Summarize(r io.Reader) ([]byte, error) {
	s, err := message.Summarize(r)
	if err != nil {
		return nil, err
	}
	return s.MarshalBinary()
}
