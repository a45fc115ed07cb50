package daemon

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/axmail/axmail/internal/auth"
	"github.com/axmail/axmail/internal/config"
	"github.com/axmail/axmail/internal/control"
	"github.com/axmail/axmail/internal/directory"
	"github.com/axmail/axmail/internal/listener"
	"github.com/axmail/axmail/internal/metrics"
	"github.com/axmail/axmail/internal/queue"
	"github.com/axmail/axmail/internal/store"
	"github.com/axmail/axmail/internal/storeconf"
)

// Options are what main gives the daemon besides its configuration.
type Options struct {
	Version string
	// LogOutput receives the log; nil means stderr.
	LogOutput io.Writer
	// Reload returns the configuration anew for SIGHUP; nil disables reload.
	Reload func() (*config.Config, error)
}

// Daemon is a running axd.
type Daemon struct {
	opts    Options
	cfg     *config.Config
	level   *slog.LevelVar
	log     *slog.Logger
	started time.Time

	lock   *store.DirLock
	store  *store.Store
	queue  *queue.Queue // mail for remote recipients until delivered; smtpd enqueues
	dir    *directory.Directory
	hasher *auth.Hasher
	// login checks passwords for the protocol services (SMTP AUTH, IMAP,
	// POP3) and rehashes on success when auth.rehash is set.
	login   *auth.Login
	control *control.Server
	metrics *metrics.Server
	// penalties is the per-IP table that every listener shares.
	penalties *listener.Penalties
	// listeners are the configured listeners, fixed at start.
	listeners []*netListener
	// tls is what every TLS listener presents, loaded at start.
	tls *tls.Config

	mu sync.Mutex // guards cfg on reload
}

// New validates what it can without touching the data dir.
func New(cfg *config.Config, o Options) (*Daemon, error) {
	if o.LogOutput == nil {
		o.LogOutput = os.Stderr
	}
	level := new(slog.LevelVar)
	level.Set(parseLevel(cfg.Log.Level))
	d := &Daemon{opts: o, cfg: cfg, level: level}
	d.log = newLogger(o.LogOutput, cfg.Log.Format, level)
	return d, nil
}

func parseLevel(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelInfo
	}
	return l
}

func newLogger(w io.Writer, format string, level *slog.LevelVar) *slog.Logger {
	ho := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, ho))
	}
	return slog.New(slog.NewTextHandler(w, ho))
}

// QueueDir is the queue's directory under the data dir.
const QueueDir = "queue"

// Run starts every service and blocks until ctx is done, then stops them
// within the shutdown timeout. hup delivers reload requests.
func (d *Daemon) Run(ctx context.Context, hup <-chan os.Signal) error {
	d.started = time.Now()
	cfg := d.cfg
	lock, err := store.Lock(cfg.DataDir, "axd")
	if err != nil {
		return err
	}
	d.lock = lock
	defer lock.Unlock()
	d.store, err = store.Open(storeconf.Options(cfg, d.log.With("component", "store")))
	if err != nil {
		return err
	}
	defer d.store.Close()
	d.queue, err = queue.Open(queue.Options{Dir: filepath.Join(cfg.DataDir, QueueDir), Logger: d.log.With("component", "queue")})
	if err != nil {
		return err
	}
	defer d.queue.Close()
	d.hasher, err = auth.NewHasher(hasherOptions(cfg.Auth))
	if err != nil {
		return &config.Error{Problems: []string{"auth: " + err.Error()}}
	}
	d.dir, err = directory.Open(directory.Options{Path: filepath.Join(cfg.DataDir, directory.FileName),
		Server: serverSettings(cfg.Limits), Logger: d.log.With("component", "directory")})
	if err != nil {
		return err
	}
	defer d.dir.Close()
	d.login = newLogin(d.hasher, d.dir, cfg.Auth.Rehash, d)
	// Bound before the control socket answers, so that GET /v1/listeners
	// sees the final set; closed on every way out.
	if err := d.openListeners(cfg); err != nil {
		return err
	}
	defer d.closeListeners()

	group := -1
	if cfg.Control.Group != "" {
		g, err := user.LookupGroup(cfg.Control.Group)
		if err != nil {
			return fmt.Errorf("control.group: %w", err)
		}
		group, _ = strconv.Atoi(g.Gid)
	}
	sock := cfg.SocketPath()
	cl, err := control.Listen(sock, group)
	if err != nil {
		return err
	}
	defer os.Remove(sock)
	d.control, err = control.New(control.Options{Backend: &backend{d: d}, Group: group, Logger: d.log.With("component", "control")})
	if err != nil {
		return err
	}
	errs := make(chan error, 4)
	var wg sync.WaitGroup
	wg.Go(func() { errs <- d.control.Serve(cl) })

	if cfg.Metrics.Listen != "" {
		ml, err := net.Listen("tcp", cfg.Metrics.Listen)
		if err != nil {
			return fmt.Errorf("metrics.listen: %w", err)
		}
		reg := metrics.NewRegistry()
		d.metrics = metrics.NewServer(reg)
		wg.Go(func() { errs <- d.metrics.Serve(ml) })
	}
	d.log.Info("axd started", "version", d.opts.Version, "data_dir", cfg.DataDir, "control", sock, "metrics", cfg.Metrics.Listen)
	d.serveListeners(&wg, errs)

	var runErr error
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-hup:
			d.reload()
		case err := <-errs:
			if err != nil {
				runErr = err
				break loop
			}
		}
	}
	d.log.Info("axd stopping", "timeout", time.Duration(cfg.ShutdownTimeout))
	sctx, cancel := context.WithTimeout(context.Background(), time.Duration(cfg.ShutdownTimeout))
	defer cancel()
	d.shutdownListeners(sctx)
	if err := d.control.Shutdown(sctx); err != nil {
		d.log.Warn("control shutdown", "err", err)
	}
	if d.metrics != nil {
		_ = d.metrics.Shutdown(sctx)
	}
	wg.Wait()
	d.log.Info("axd stopped")
	return runErr
}

// reload applies what can change without a restart: the log level and
// format are live; the rest needs a restart and is logged as such.
func (d *Daemon) reload() {
	if d.opts.Reload == nil {
		return
	}
	cfg, err := d.opts.Reload()
	if err != nil {
		d.log.Error("reload refused: configuration invalid; keeping the running one", "err", err)
		return
	}
	d.mu.Lock()
	old := d.cfg
	d.cfg = cfg
	d.mu.Unlock()
	d.log.Info("configuration reloaded", "log_level", cfg.Log.Level)
	if d.dir != nil {
		if err := d.dir.SetServerSettings(serverSettings(cfg.Limits)); err != nil {
			d.log.Error("reload: limits refused", "err", err)
		}
	}
	d.level.Set(parseLevel(cfg.Log.Level))
	if cfg.DataDir != old.DataDir || cfg.SocketPath() != old.SocketPath() || cfg.Metrics.Listen != old.Metrics.Listen {
		d.log.Warn("reload: data_dir, control.socket and metrics.listen change only on restart")
	}
	if listenersChanged(old, cfg) {
		d.log.Warn("reload: listeners, services, penalties and tls change only on restart")
	}
}

// config returns the current configuration.
func (d *Daemon) config() *config.Config {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cfg
}

var errNotRunning = errors.New("daemon: not running")
