package control

import (
	"context"
	"net/http"
	"net/url"
)

// Client methods of the queue API.

// Queue lists the queued messages, oldest first.
func (c *Client) Queue(ctx context.Context) ([]QueueMessage, error) {
	var out []QueueMessage
	return out, c.getJSON(ctx, http.MethodGet, "/v1/queue", nil, &out)
}

// QueuedMessage returns one queued message; a missing one is an *Error
// with CodeNotFound.
func (c *Client) QueuedMessage(ctx context.Context, id string) (QueueMessage, error) {
	var out QueueMessage
	return out, c.getJSON(ctx, http.MethodGet, "/v1/queue/"+url.PathEscape(id), nil, &out)
}

// RemoveQueued removes a queued message; a missing one is an *Error with
// CodeNotFound.
func (c *Client) RemoveQueued(ctx context.Context, id string) error {
	return c.getJSON(ctx, http.MethodDelete, "/v1/queue/"+url.PathEscape(id), nil, nil)
}
