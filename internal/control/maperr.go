package control

import (
	"bufio"
	"errors"
	"io"
	"net/http"

	"github.com/axmail/axmail/internal/directory"
	"github.com/axmail/axmail/internal/store"
)

// mapError turns a backend error into an API error: the one place where
// package sentinels become status codes.
func mapError(err error) error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	switch {
	case errors.Is(err, directory.ErrNotFound), errors.Is(err, store.ErrNoMailbox):
		return &Error{Status: http.StatusNotFound, Code: CodeNotFound, Message: err.Error()}
	case errors.Is(err, directory.ErrExists):
		return &Error{Status: http.StatusConflict, Code: CodeExists, Message: err.Error()}
	case errors.Is(err, directory.ErrNotEmpty):
		return &Error{Status: http.StatusConflict, Code: CodeConflict, Message: err.Error()}
	case errors.Is(err, directory.ErrInvalid):
		return &Error{Status: http.StatusBadRequest, Code: CodeBadRequest, Message: err.Error()}
	case store.IsPermanent(err) || directory.IsPermanent(err):
		return &Error{Status: http.StatusBadRequest, Code: CodeBadRequest, Message: err.Error()}
	default:
		return &Error{Status: http.StatusServiceUnavailable, Code: CodeUnavailable, Message: err.Error()}
	}
}

// readNDJSON calls fn for each line of r.
func readNDJSON(r io.Reader, fn func([]byte) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for sc.Scan() {
		if len(sc.Bytes()) == 0 {
			continue
		}
		if err := fn(sc.Bytes()); err != nil {
			return err
		}
	}
	return sc.Err()
}
