// Package daemon builds every axd service from the configuration and runs
// them: it takes the data-dir lock, opens the store, serves the control
// socket and the metrics endpoint, reloads what can change live on
// SIGHUP, and on stop drains and closes everything within the shutdown
// timeout. It is the only package that turns a config.Config into the
// Options of the others.
package daemon
