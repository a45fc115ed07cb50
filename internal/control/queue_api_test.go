package control

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/axmail/axmail/internal/queue"
)

func TestMapQueueError(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		code   string
	}{
		{fmt.Errorf("%w: %q", queue.ErrNotFound, "x"), http.StatusNotFound, CodeNotFound},
		{queue.ErrClosed, http.StatusServiceUnavailable, CodeUnavailable},
		{errors.New("disk on fire"), http.StatusServiceUnavailable, CodeUnavailable},
	} {
		var e *Error
		if !errors.As(mapQueueError(tc.err), &e) || e.Status != tc.status || e.Code != tc.code {
			t.Errorf("mapQueueError(%v) = %+v, want %d %s", tc.err, e, tc.status, tc.code)
		}
	}
}
