// Package control is axd's control API: HTTP/1.1 with JSON over a unix
// socket, versioned under /v1/, and the typed client that axctl,
// axcompact and axmigrate use.
//
// The server checks every connection's peer credentials (SO_PEERCRED):
// root, the daemon's own uid, or a member of the configured group may
// connect; anyone else gets 403 and a log line. Errors are JSON
// {"error":{"code":"...","message":"..."}}; long work streams NDJSON.
//
// The package holds no storage logic: handlers call the Backend the daemon
// gives it.
package control
