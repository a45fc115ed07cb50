package config

import (
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
)

// Validate checks every key and reports all problems at once, each naming
// its key.
func (c *Config) Validate() error {
	var p []string
	bad := func(key, format string, args ...any) {
		p = append(p, key+": "+fmt.Sprintf(format, args...))
	}
	if c.DataDir == "" {
		bad("data_dir", "must not be empty")
	}
	if c.ShutdownTimeout < 0 {
		bad("shutdown_timeout", "must not be negative")
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.Log.Level) {
		bad("log.level", "%q is not one of debug, info, warn, error", c.Log.Level)
	}
	if !slices.Contains([]string{"text", "json"}, c.Log.Format) {
		bad("log.format", "%q is not text or json", c.Log.Format)
	}
	if c.Metrics.Listen != "" {
		if err := checkHostPort(c.Metrics.Listen); err != nil {
			bad("metrics.listen", "%v", err)
		}
	}
	if c.Store.Dirs < 1 || c.Store.Dirs > 4096 {
		bad("store.dirs", "%d is outside 1..4096", c.Store.Dirs)
	}
	if c.Store.ContainerSize < 64<<10 {
		bad("store.container_size", "%d is below 64K", c.Store.ContainerSize)
	}
	if c.Store.ContainerSize > 1<<40 {
		bad("store.container_size", "%d is above 1T", c.Store.ContainerSize)
	}
	seen := make(map[string]bool)
	for i, path := range c.Store.Paths {
		key := fmt.Sprintf("store.paths[%d]", i)
		if path == "" {
			bad(key, "empty")
			continue
		}
		clean := filepath.Clean(path)
		if seen[clean] {
			bad(key, "%s is listed twice", path)
		}
		seen[clean] = true
	}
	if c.Store.CacheMessages < -1 {
		bad("store.cache_messages", "must be -1 (off), 0 (default) or more")
	}
	for key, v := range map[string]int64{"limits.quota": int64(c.Limits.Quota), "limits.quota_messages": c.Limits.QuotaMessages,
		"limits.max_message_size": int64(c.Limits.MaxMessageSize), "limits.max_attachment_size": int64(c.Limits.MaxAttachmentSize),
		"limits.messages_per_hour": c.Limits.MessagesPerHour, "limits.idle_timeout": int64(c.Limits.IdleTimeout),
		"limits.activity_timeout": int64(c.Limits.ActivityTimeout)} {
		if v < 0 {
			bad(key, "must not be negative")
		}
	}
	switch c.Auth.Scheme {
	case "argon2id":
		if c.Auth.Argon2Time < 1 || c.Auth.Argon2Threads < 1 || c.Auth.Argon2MemoryKiB < 8*uint32(c.Auth.Argon2Threads) {
			bad("auth", "argon2 time and threads must be at least 1, and memory at least 8 KiB per thread")
		}
	case "bcrypt":
		if c.Auth.BcryptCost < 4 || c.Auth.BcryptCost > 31 {
			bad("auth.bcrypt_cost", "%d is outside 4..31", c.Auth.BcryptCost)
		}
	default:
		bad("auth.scheme", "%q is not argon2id or bcrypt", c.Auth.Scheme)
	}
	validateTLS(c.TLS, bad)
	validateServices(c.Services, bad)
	validatePenalties(c.Penalties, bad)
	names := make([]string, 0, len(c.Listeners))
	for name := range c.Listeners {
		names = append(names, name)
	}
	sort.Strings(names)
	addrs := make(map[string]string)
	for _, name := range names {
		l := c.Listeners[name]
		key := "listeners." + name
		if !slices.Contains(Services, l.Service) {
			bad(key+".service", "%q is not one of %v", l.Service, Services)
		}
		if !slices.Contains([]string{"none", "starttls", "implicit"}, l.TLS) {
			bad(key+".tls", "%q is not none, starttls or implicit", l.TLS)
		}
		validateListenerKeys(key, l, bad)
		if l.Listen == "" {
			continue
		}
		if err := checkHostPort(l.Listen); err != nil {
			bad(key+".listen", "%v", err)
		} else if other, dup := addrs[l.Listen]; dup {
			bad(key+".listen", "%s is also listeners.%s.listen", l.Listen, other)
		}
		if _, port, _ := net.SplitHostPort(l.Listen); port != "0" {
			addrs[l.Listen] = name // port 0 picks a free port each time: no clash
		}
	}
	if len(p) > 0 {
		return &Error{Problems: p}
	}
	return nil
}

func checkHostPort(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("%q is not host:port", s)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("%q has a bad port", s)
	}
	if host != "" && net.ParseIP(host) == nil && !validHostname(host) {
		return fmt.Errorf("%q has a bad host", s)
	}
	return nil
}

func validHostname(h string) bool {
	if len(h) > 253 {
		return false
	}
	for _, r := range h {
		if !(r == '.' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
