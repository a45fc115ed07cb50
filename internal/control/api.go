package control

import (
	"context"
	"net/http"
	"time"

	"github.com/axmail/axmail/internal/store"
)

// Backend is what the daemon gives the control server.
type Backend interface {
	DirectoryBackend
	Status(ctx context.Context) (Status, error)
	Compact(ctx context.Context, req CompactRequest, progress func(done, total int64)) (store.CompactResult, error)
	Check(ctx context.Context, req CheckRequest, progress func(done, total int64)) (store.CheckResult, error)
}

// Status is GET /v1/status.
type Status struct {
	Version   string            `json:"version"`
	PID       int               `json:"pid"`
	Started   time.Time         `json:"started"`
	DataDir   string            `json:"data_dir"`
	Hostname  string            `json:"hostname"`
	Listeners map[string]string `json:"listeners"`
	Accounts  int               `json:"accounts"`
	Domains   int               `json:"domains"`
}

// CompactRequest is POST /v1/store/compact.
type CompactRequest struct {
	Threshold float64 `json:"threshold"` // fraction; 0 means the default
	DryRun    bool    `json:"dry_run"`
}

// CheckRequest is POST /v1/store/check.
type CheckRequest struct {
	Repair bool `json:"repair"`
}

// Progress is a line of a streamed response before its result.
type Progress struct {
	Done  int64 `json:"done"`
	Total int64 `json:"total"`
}

// streamLine is one NDJSON line: progress, then a result or an error.
type streamLine[T any] struct {
	Progress *Progress `json:"progress,omitempty"`
	Result   *T        `json:"result,omitempty"`
	Error    *Error    `json:"error,omitempty"`
}

func (s *Server) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/status", func(w http.ResponseWriter, r *http.Request) {
		st, err := s.opts.Backend.Status(r.Context())
		if err != nil {
			writeError(w, mapError(err))
			return
		}
		writeJSON(w, st)
	})
	mux.HandleFunc("POST /v1/store/compact", func(w http.ResponseWriter, r *http.Request) {
		var req CompactRequest
		if err := decode(r, &req); err != nil {
			writeError(w, err)
			return
		}
		if req.Threshold < 0 || req.Threshold > 1 {
			writeError(w, Errorf(http.StatusBadRequest, CodeBadRequest, "threshold %v outside 0..1", req.Threshold))
			return
		}
		runStreamed(w, r, func(p func(int64, int64)) (store.CompactResult, error) {
			return s.opts.Backend.Compact(r.Context(), req, p)
		})
	})
	mux.HandleFunc("POST /v1/store/check", func(w http.ResponseWriter, r *http.Request) {
		var req CheckRequest
		if err := decode(r, &req); err != nil {
			writeError(w, err)
			return
		}
		runStreamed(w, r, func(p func(int64, int64)) (store.CheckResult, error) {
			return s.opts.Backend.Check(r.Context(), req, p)
		})
	})
	s.directoryRoutes(mux, s.opts.Backend)
	if qb, ok := s.opts.Backend.(QueueBackend); ok {
		s.queueRoutes(mux, qb)
	}
	if b, ok := s.opts.Backend.(ListenerBackend); ok {
		s.listenerRoutes(mux, b)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, Errorf(http.StatusNotFound, CodeNotFound, "no endpoint %s %s", r.Method, r.URL.Path))
	})
}

// runStreamed streams progress lines while fn works, then its result.
func runStreamed[T any](w http.ResponseWriter, r *http.Request, fn func(progress func(done, total int64)) (T, error)) {
	st := newStream(w)
	res, err := fn(func(done, total int64) {
		st.send(streamLine[T]{Progress: &Progress{Done: done, Total: total}})
	})
	if err != nil {
		st.send(streamLine[T]{Error: asError(mapError(err))})
		return
	}
	st.send(streamLine[T]{Result: &res})
}
