package control

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"testing"

	"github.com/axmail/axmail/internal/directory"
	"github.com/axmail/axmail/internal/store"
)

func TestAllowed(t *testing.T) {
	self := uint32(1000)
	for _, tc := range []struct {
		name  string
		peer  *Peer
		group int
		want  bool
	}{
		{"no credentials", nil, -1, false},
		{"root", &Peer{UID: 0, GID: 0}, -1, true},
		{"daemon user", &Peer{UID: 1000, GID: 1000}, -1, true},
		{"other user", &Peer{UID: 1001, GID: 1001}, -1, false},
		{"other user in the group", &Peer{UID: 1001, GID: 50}, 50, true},
		{"other user, another group", &Peer{UID: 1001, GID: 51, PID: -1}, 50, false},
	} {
		if got := allowed(tc.peer, self, tc.group); got != tc.want {
			t.Errorf("%s: allowed = %v, want %v", tc.name, got, tc.want)
		}
	}
	// Supplementary groups come from /proc: this process is in its own
	// groups.
	groups, err := os.Getgroups()
	if err == nil && len(groups) > 0 {
		p := &Peer{PID: int32(os.Getpid()), UID: 4242, GID: 4242}
		if !allowed(p, self, groups[0]) {
			t.Errorf("member of supplementary group %d refused", groups[0])
		}
	}
}

func TestMapError(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		code   string
	}{
		{directory.ErrNoAccount, http.StatusNotFound, CodeNotFound},
		{fmt.Errorf("wrapped: %w", directory.ErrExists), http.StatusConflict, CodeExists},
		{directory.ErrNotEmpty, http.StatusConflict, CodeConflict},
		{directory.ErrInvalid, http.StatusBadRequest, CodeBadRequest},
		{store.ErrNoMailbox, http.StatusNotFound, CodeNotFound},
		{errors.New("disk on fire"), http.StatusServiceUnavailable, CodeUnavailable},
		{Errorf(http.StatusTeapot, "tea", "short and stout"), http.StatusTeapot, "tea"},
	} {
		var e *Error
		if !errors.As(mapError(tc.err), &e) || e.Status != tc.status || e.Code != tc.code {
			t.Errorf("mapError(%v) = %+v, want %d %s", tc.err, e, tc.status, tc.code)
		}
	}
}
