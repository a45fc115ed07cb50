// Package daemon builds every axd service from the configuration and runs
// them: it takes the data-dir lock, opens the store, serves the control
// socket and the metrics endpoint, reloads what can change live on
// SIGHUP, and on stop drains and closes everything within the shutdown
// timeout. It is the only package that turns a config.Config into the
// Options of the others.
//
// # Listeners
//
// Every listener with an address and a built service (smtp and lmtp
// today; submission, imap and pop3 are logged at debug and reported as
// unavailable) is bound before the control socket answers, so a port in
// use fails the start naming listeners.<name>.listen. Each socket is
// stacked as: the service's shared cap (services.<service>.max_sessions,
// one counter for all the service's listeners, see limitedListener), then
// internal/listener with the listener's rules, error control and
// timeouts and the one Penalties table of the daemon, then the protocol
// server, built by serverFor, the one place a listener's config becomes a
// server's Options. Refusals are written at greeting time by the
// service's reject function (reject.go). The set of listeners is fixed at
// start; a reload that changes it is logged as needing a restart.
package daemon
