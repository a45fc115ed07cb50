package daemon

import (
	"context"

	"github.com/axmail/axmail/internal/control"
	"github.com/axmail/axmail/internal/queue"
)

// The control API's queue endpoints, answered from d.queue.

var _ control.QueueBackend = (*backend)(nil)

func (b *backend) QueueList(ctx context.Context) ([]queue.Message, error) {
	if b.d.queue == nil {
		return nil, errNotRunning
	}
	return b.d.queue.List(), nil
}

func (b *backend) QueueGet(ctx context.Context, id string) (queue.Message, error) {
	if b.d.queue == nil {
		return queue.Message{}, errNotRunning
	}
	return b.d.queue.Get(id)
}

func (b *backend) QueueRemove(ctx context.Context, id string) error {
	if b.d.queue == nil {
		return errNotRunning
	}
	if err := b.d.queue.Remove(id); err != nil {
		return err
	}
	b.d.log.Info("queued message removed by the administrator", "queue_id", id)
	return nil
}
