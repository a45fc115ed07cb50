package control

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/axmail/axmail/internal/queue"
)

// QueueBackend is the outbound queue part of a Backend. It is optional:
// the queue routes exist only when the Backend implements it.
type QueueBackend interface {
	// QueueList returns every queued message, oldest first.
	QueueList(ctx context.Context) ([]queue.Message, error)
	// QueueGet returns one message or an error wrapping queue.ErrNotFound.
	QueueGet(ctx context.Context, id string) (queue.Message, error)
	// QueueRemove removes one message or returns an error wrapping
	// queue.ErrNotFound.
	QueueRemove(ctx context.Context, id string) error
}

// QueueRecipient is a recipient of a queued message.
type QueueRecipient struct {
	Address string   `json:"address"`
	Notify  []string `json:"notify,omitempty"`
	ORcpt   string   `json:"orcpt,omitempty"`
}

// QueueMessage is an item of GET /v1/queue and the body of GET
// /v1/queue/{id}.
type QueueMessage struct {
	ID          string           `json:"id"`
	From        string           `json:"from"` // "" is the null sender
	Recipients  []QueueRecipient `json:"recipients"`
	Ret         string           `json:"ret,omitempty"`
	EnvID       string           `json:"envid,omitempty"`
	Account     string           `json:"account"`
	ClientIP    string           `json:"client_ip"`
	Size        int64            `json:"size"`
	Created     time.Time        `json:"created"`
	Attempts    int              `json:"attempts"`
	NextAttempt *time.Time       `json:"next_attempt,omitempty"` // nil: not scheduled yet
	LastError   string           `json:"last_error,omitempty"`
}

// QueueMessageOf is the API form of a queued message.
func QueueMessageOf(m queue.Message) QueueMessage {
	rs := make([]QueueRecipient, len(m.Envelope.Recipients))
	for i, r := range m.Envelope.Recipients {
		rs[i] = QueueRecipient{Address: r.Address, Notify: r.Notify, ORcpt: r.ORcpt}
	}
	e := m.Envelope
	out := QueueMessage{ID: m.ID, From: e.From, Recipients: rs, Ret: e.Ret, EnvID: e.EnvID, Account: e.Account,
		ClientIP: e.ClientIP, Size: m.Size, Created: m.Created, Attempts: m.Attempts, LastError: m.LastError}
	if !m.NextAttempt.IsZero() {
		next := m.NextAttempt
		out.NextAttempt = &next
	}
	return out
}

// mapQueueError maps the queue's sentinels, then defers to mapError.
func mapQueueError(err error) error {
	switch {
	case errors.Is(err, queue.ErrNotFound):
		return &Error{Status: http.StatusNotFound, Code: CodeNotFound, Message: err.Error()}
	case errors.Is(err, queue.ErrClosed):
		return &Error{Status: http.StatusServiceUnavailable, Code: CodeUnavailable, Message: err.Error()}
	}
	return mapError(err)
}

func (s *Server) queueRoutes(mux *http.ServeMux, b QueueBackend) {
	handle := func(pattern string, fn func(r *http.Request) (any, error)) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			v, err := fn(r)
			if err != nil {
				writeError(w, mapQueueError(err))
				return
			}
			writeJSON(w, v)
		})
	}
	handle("GET /v1/queue", func(r *http.Request) (any, error) {
		ms, err := b.QueueList(r.Context())
		if err != nil {
			return nil, err
		}
		out := make([]QueueMessage, len(ms)) // [] rather than null when empty
		for i, m := range ms {
			out[i] = QueueMessageOf(m)
		}
		return out, nil
	})
	handle("GET /v1/queue/{id}", func(r *http.Request) (any, error) {
		m, err := b.QueueGet(r.Context(), r.PathValue("id"))
		if err != nil {
			return nil, err
		}
		return QueueMessageOf(m), nil
	})
	handle("DELETE /v1/queue/{id}", func(r *http.Request) (any, error) {
		return struct{}{}, b.QueueRemove(r.Context(), r.PathValue("id"))
	})
}
