package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"
)

// Options configures a Server.
type Options struct {
	// Backend does the work of every endpoint.
	Backend Backend
	// Group is the gid whose members may use the socket besides root and
	// the daemon's user; negative means none.
	Group int
	// Logger receives refused connections and failures; nil discards.
	Logger *slog.Logger
}

// Server serves the control API.
type Server struct {
	opts    Options
	selfUID uint32
	http    *http.Server
	log     *slog.Logger
}

// New validates the options and builds a server.
func New(o Options) (*Server, error) {
	if o.Backend == nil {
		return nil, errors.New("control: no backend")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{opts: o, selfUID: uint32(os.Getuid()), log: o.Logger}
	mux := http.NewServeMux()
	s.routes(mux)
	s.http = &http.Server{
		Handler:           s.authorize(mux),
		ConnContext:       withPeer,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(o.Logger.Handler(), slog.LevelWarn),
	}
	return s, nil
}

// Listen creates the unix socket at path with mode 0660 and the group set.
// A stale socket that nobody answers on is replaced; a live one is an
// error (another axd runs).
func Listen(path string, group int) (net.Listener, error) {
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return nil, fmt.Errorf("control: %s is in use by a running daemon", path)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("control: remove stale socket: %w", err)
	}
	// Create it with no access at all, then open it up: no window in which
	// others could connect.
	old := syscall.Umask(0o777)
	l, err := net.Listen("unix", path)
	syscall.Umask(old)
	if err != nil {
		return nil, fmt.Errorf("control: listen on %s: %w", path, err)
	}
	if group >= 0 {
		if err := os.Chown(path, -1, group); err != nil {
			l.Close()
			return nil, fmt.Errorf("control: chgrp %s: %w", path, err)
		}
	}
	if err := os.Chmod(path, 0o660); err != nil {
		l.Close()
		return nil, fmt.Errorf("control: chmod %s: %w", path, err)
	}
	return l, nil
}

// Serve serves the API on l until Shutdown.
func (s *Server) Serve(l net.Listener) error {
	err := s.http.Serve(l)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting and waits for requests in flight.
func (s *Server) Shutdown(ctx context.Context) error { return s.http.Shutdown(ctx) }

// authorize refuses peers that may not use the socket.
func (s *Server) authorize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := PeerFrom(r.Context())
		if !allowed(p, s.selfUID, s.opts.Group) {
			if p != nil {
				s.log.Warn("control connection refused", "pid", p.PID, "uid", p.UID, "gid", p.GID, "path", r.URL.Path)
			} else {
				s.log.Warn("control connection refused: no peer credentials", "path", r.URL.Path)
			}
			writeError(w, Errorf(http.StatusForbidden, CodeForbidden, "this user may not use the control socket"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// decode reads a JSON request body, refusing unknown fields.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 16<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return Errorf(http.StatusBadRequest, CodeBadRequest, "bad request body: %v", err)
	}
	return nil
}

// stream writes NDJSON lines, flushing each.
type stream struct {
	w   http.ResponseWriter
	enc *json.Encoder
}

func newStream(w http.ResponseWriter) *stream {
	w.Header().Set("Content-Type", "application/x-ndjson")
	return &stream{w: w, enc: json.NewEncoder(w)}
}

func (s *stream) send(v any) {
	_ = s.enc.Encode(v)
	if f, ok := s.w.(http.Flusher); ok {
		f.Flush()
	}
}
