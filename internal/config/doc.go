// Package config is axmail's typed configuration: the YAML schema, its
// embedded defaults, loading through viper (file, then AXD_* environment,
// then flags) and validation that names the key of every problem.
//
// It is nearly a leaf: the only axmail package it imports is
// internal/listener (pure, no I/O), whose rule parser validates the
// listeners' rules, so that `axd config check` refuses exactly the rules
// the daemon would. Only the binaries and internal/daemon turn a Config
// into the Options of other packages.
//
// Listener keys (rules, idle_timeout, ...) default by service; a listener
// the file adds under a name of its own gets the same defaults as the
// embedded listeners of its service.
package config
