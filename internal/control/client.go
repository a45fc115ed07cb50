package control

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"

	"github.com/axmail/axmail/internal/store"
)

// Client talks to axd's control socket.
type Client struct {
	socket string
	http   *http.Client
}

// NewClient returns a client for the socket at path.
func NewClient(path string) *Client {
	return &Client{socket: path, http: &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
	}}}
}

// Reachable reports whether a daemon answers on the socket.
func (c *Client) Reachable(ctx context.Context) bool {
	_, err := c.Status(ctx)
	return err == nil || !errors.Is(err, ErrUnreachable)
}

func (c *Client) do(ctx context.Context, method, path string, body any) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://axd"+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// Missing socket, refused, no permission, or the daemon went away
		// mid-request: all are "axd unreachable" to the caller.
		return nil, fmt.Errorf("%w: %s: %v", ErrUnreachable, c.socket, err)
	}
	if resp.StatusCode >= 400 {
		defer resp.Body.Close()
		var eb errorBody
		if err := json.NewDecoder(resp.Body).Decode(&eb); err != nil || eb.Error == nil {
			return nil, &Error{Status: resp.StatusCode, Code: CodeInternal, Message: resp.Status}
		}
		eb.Error.Status = resp.StatusCode
		return nil, eb.Error
	}
	return resp, nil
}

func (c *Client) getJSON(ctx context.Context, method, path string, body, out any) error {
	resp, err := c.do(ctx, method, path, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// Status returns the daemon's status.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var st Status
	err := c.getJSON(ctx, http.MethodGet, "/v1/status", nil, &st)
	return st, err
}

// Compact runs a compaction in the daemon.
func (c *Client) Compact(ctx context.Context, req CompactRequest, progress func(done, total int64)) (store.CompactResult, error) {
	return readStream[store.CompactResult](ctx, c, "/v1/store/compact", req, progress)
}

// Check runs a check in the daemon.
func (c *Client) Check(ctx context.Context, req CheckRequest, progress func(done, total int64)) (store.CheckResult, error) {
	return readStream[store.CheckResult](ctx, c, "/v1/store/check", req, progress)
}

func readStream[T any](ctx context.Context, c *Client, path string, body any, progress func(done, total int64)) (T, error) {
	var zero T
	resp, err := c.do(ctx, http.MethodPost, path, body)
	if err != nil {
		return zero, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for sc.Scan() {
		var line streamLine[T]
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			return zero, fmt.Errorf("control: bad stream line: %w", err)
		}
		switch {
		case line.Error != nil:
			return zero, line.Error
		case line.Result != nil:
			return *line.Result, nil
		case line.Progress != nil && progress != nil:
			progress(line.Progress.Done, line.Progress.Total)
		}
	}
	if err := sc.Err(); err != nil {
		return zero, fmt.Errorf("%w: stream broken: %v", ErrUnreachable, err)
	}
	return zero, fmt.Errorf("%w: stream ended without a result", ErrUnreachable)
}
