// Package config is axmail's typed configuration: the YAML schema, its
// embedded defaults, loading through viper (file, then AXD_* environment,
// then flags) and validation that names the key of every problem.
//
// It is a leaf: it imports no other axmail package, and only the binaries
// and internal/daemon turn a Config into the Options of other packages.
package config
