package control

import (
	"context"
	"net/http"
	"net/url"

	"github.com/axmail/axmail/internal/listener"
)

// Listeners lists the configured listeners with their live counts.
func (c *Client) Listeners(ctx context.Context) ([]ListenerInfo, error) {
	var ls []ListenerInfo
	err := c.getJSON(ctx, http.MethodGet, "/v1/listeners", nil, &ls)
	return ls, err
}

// Bans lists the IP addresses banned now.
func (c *Client) Bans(ctx context.Context) ([]listener.Ban, error) {
	var bans []listener.Ban
	err := c.getJSON(ctx, http.MethodGet, "/v1/bans", nil, &bans)
	return bans, err
}

// Unban lifts the ban of ip; an address that is not banned is an *Error
// with CodeNotFound.
func (c *Client) Unban(ctx context.Context, ip string) error {
	return c.getJSON(ctx, http.MethodDelete, "/v1/bans/"+url.PathEscape(ip), nil, nil)
}
