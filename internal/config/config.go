package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/viper"
)

// Config is the whole configuration of axd and the tools.
type Config struct {
	DataDir string `mapstructure:"data_dir"`
	Store   Store  `mapstructure:"store"`
}

// Store configures the message store.
type Store struct {
	// Paths are the locations of container files; empty means the data dir.
	Paths []string `mapstructure:"paths"`
	// Dirs is the number of sub-directories per location.
	Dirs int `mapstructure:"dirs"`
	// ContainerSize seals a container at this size (bytes or 64M, 1G...).
	ContainerSize Size `mapstructure:"container_size"`
	// CacheMessages caps the messages of hot mailboxes kept in RAM.
	CacheMessages int `mapstructure:"cache_messages"`
}

// Defaults are the embedded defaults: with no file at all, this is the
// configuration.
func Defaults() map[string]any {
	return map[string]any{
		"data_dir":             "./axdata",
		"store.paths":          []string{},
		"store.dirs":           16,
		"store.container_size": "64M",
		"store.cache_messages": 4_000_000,
	}
}

// EnvPrefix prefixes the environment variables that override keys:
// store.dirs is AXD_STORE_DIRS.
const EnvPrefix = "AXD"

// Load reads the configuration: defaults, then the file (if path is not
// empty; AXD_CONFIG names one too), then AXD_* variables. v may carry
// flag bindings; nil means a fresh viper.
func Load(path string, v *viper.Viper) (*Config, error) {
	if v == nil {
		v = viper.New()
	}
	for k, val := range Defaults() {
		v.SetDefault(k, val)
	}
	v.SetEnvPrefix(EnvPrefix)
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	if path == "" {
		path = os.Getenv(EnvPrefix + "_CONFIG")
	}
	if path != "" {
		v.SetConfigFile(path)
		v.SetConfigType("yaml")
		if err := v.ReadInConfig(); err != nil {
			return nil, &Error{Problems: []string{fmt.Sprintf("%s: %v", path, err)}}
		}
	}
	var c Config
	if err := v.Unmarshal(&c, viper.DecodeHook(sizeHook())); err != nil {
		return nil, &Error{Problems: []string{err.Error()}}
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Error lists every problem of a configuration.
type Error struct{ Problems []string }

func (e *Error) Error() string { return "config: " + strings.Join(e.Problems, "; ") }

// IsConfigError reports whether err is a configuration problem.
func IsConfigError(err error) bool {
	var ce *Error
	return errors.As(err, &ce)
}

// Validate checks every key and reports all problems at once.
func (c *Config) Validate() error {
	var p []string
	if c.DataDir == "" {
		p = append(p, "data_dir: must not be empty")
	}
	if c.Store.Dirs < 1 || c.Store.Dirs > 4096 {
		p = append(p, fmt.Sprintf("store.dirs: %d is outside 1..4096", c.Store.Dirs))
	}
	if c.Store.ContainerSize < 64<<10 {
		p = append(p, fmt.Sprintf("store.container_size: %d is below 64K", c.Store.ContainerSize))
	}
	if c.Store.ContainerSize > 1<<40 {
		p = append(p, fmt.Sprintf("store.container_size: %d is above 1T", c.Store.ContainerSize))
	}
	seen := make(map[string]bool)
	for i, path := range c.Store.Paths {
		if path == "" {
			p = append(p, fmt.Sprintf("store.paths[%d]: empty", i))
			continue
		}
		clean := filepath.Clean(path)
		if seen[clean] {
			p = append(p, fmt.Sprintf("store.paths[%d]: %s is listed twice", i, path))
		}
		seen[clean] = true
	}
	if c.Store.CacheMessages < -1 {
		p = append(p, "store.cache_messages: must be -1 (off), 0 (default) or more")
	}
	if len(p) > 0 {
		return &Error{Problems: p}
	}
	return nil
}
