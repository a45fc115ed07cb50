package directory

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// FileName is the directory's file name in the data dir.
const FileName = "directory.db"

// Options configures a Directory. Only Path is required.
type Options struct {
	// Path is the bbolt file, normally <data_dir>/directory.db. Its parent
	// is created if missing.
	Path string
	// Server is the server level of the settings chain as the config sets
	// it; nil fields take the values of DefaultServerSettings. Settings
	// stored with PatchServerSettings override it.
	Server Settings
	// Timeout is how long Open waits for another process's lock on the
	// file; 0 means 2 seconds.
	Timeout time.Duration
	// Logger receives operational events; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Directory is an open account directory. Its methods are safe for
// concurrent use.
type Directory struct {
	db  *bolt.DB
	log *slog.Logger
	now func() time.Time

	// wmu serialises writers: it is held across a write transaction and
	// the update of the maps that follows its commit, so the maps change
	// in commit order, and a writer holding it may read them without mu.
	wmu    sync.Mutex
	closed bool // guarded by wmu

	// mu guards the maps and the server level. Readers hold it shared;
	// apply, after a commit, and SetServerSettings hold it exclusively.
	mu sync.RWMutex
	st state
	// config is the server level from Options.Server over the defaults;
	// st.stored, kept in the file, overrides it; server is the two
	// combined, where every resolution starts.
	config, server vals
}

// Open opens or creates the directory file and loads it into memory.
func Open(opts Options) (*Directory, error) {
	if opts.Path == "" {
		return nil, fmt.Errorf("%w: no directory path", ErrInvalid)
	}
	config, err := serverVals(opts.Server)
	if err != nil {
		return nil, err
	}
	d := &Directory{log: opts.Logger, now: opts.Now, config: config}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if d.now == nil {
		d.now = time.Now
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = 2 * time.Second
	}
	if err := os.MkdirAll(filepath.Dir(opts.Path), 0o750); err != nil {
		return nil, fmt.Errorf("directory: open: %w", err)
	}
	d.db, err = bolt.Open(opts.Path, 0o640, &bolt.Options{
		Timeout:        timeout,
		NoFreelistSync: true,
		FreelistType:   bolt.FreelistMapType,
	})
	if err != nil {
		return nil, fmt.Errorf("directory: open %s: %w", opts.Path, err)
	}
	start := time.Now()
	if err := d.init(); err != nil {
		d.db.Close()
		return nil, fmt.Errorf("directory: open %s: %w", opts.Path, err)
	}
	if err := d.db.View(d.load); err != nil {
		d.db.Close()
		return nil, fmt.Errorf("directory: load %s: %w", opts.Path, err)
	}
	d.server = d.config.over(d.st.stored, false)
	d.log.Info("directory loaded", "path", opts.Path, "domains", len(d.st.domains),
		"accounts", len(d.st.accounts), "aliases", len(d.st.aliases), "elapsed", time.Since(start))
	return d, nil
}

// Close closes the file. Lookups answered from memory keep working on the
// last state; writes and reads of the file return ErrClosed.
func (d *Directory) Close() error {
	d.wmu.Lock()
	defer d.wmu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	return d.db.Close()
}

// Counts returns the number of domains, accounts and aliases.
func (d *Directory) Counts() (domains, accounts, aliases int) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return len(d.st.domains), len(d.st.accounts), len(d.st.aliases)
}

// errRollback makes update roll its transaction back and report success
// (a dry run, a change that changes nothing).
var errRollback = errors.New("directory: rollback")

// update runs fn in a write transaction and, once it has committed,
// publishes its changes to the maps. If fn returns errRollback the
// transaction is rolled back and update returns nil.
func (d *Directory) update(ctx context.Context, fn func(t *txn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d.wmu.Lock()
	defer d.wmu.Unlock()
	if d.closed {
		return ErrClosed
	}
	t := d.newTxn()
	err := d.db.Update(func(tx *bolt.Tx) error {
		t.tx = tx
		if err := fn(t); err != nil {
			return err
		}
		if !t.dirty {
			return errRollback // nothing to commit: spare the fsync
		}
		return t.flush()
	})
	switch {
	case errors.Is(err, errRollback):
		return nil
	case err != nil && IsPermanent(err):
		return err
	case err != nil:
		return fmt.Errorf("directory: write: %w", err)
	}
	d.apply(t)
	return nil
}

// view runs fn in a read transaction of the file.
func (d *Directory) view(fn func(tx *bolt.Tx) error) error {
	err := d.db.View(fn)
	if errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	return err
}

func (d *Directory) stamp() int64 { return d.now().UnixNano() }

func unixTime(ns int64) time.Time {
	if ns == 0 {
		return time.Time{}
	}
	return time.Unix(0, ns).UTC()
}
