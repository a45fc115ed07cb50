package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
)

// Config is the whole configuration of axd and the tools.
type Config struct {
	DataDir         string              `mapstructure:"data_dir" yaml:"data_dir"`
	Hostname        string              `mapstructure:"hostname" yaml:"hostname"`
	ShutdownTimeout Duration            `mapstructure:"shutdown_timeout" yaml:"shutdown_timeout"`
	Log             Log                 `mapstructure:"log" yaml:"log"`
	Control         Control             `mapstructure:"control" yaml:"control"`
	Metrics         Metrics             `mapstructure:"metrics" yaml:"metrics"`
	Store           Store               `mapstructure:"store" yaml:"store"`
	Limits          Limits              `mapstructure:"limits" yaml:"limits"`
	Auth            Auth                `mapstructure:"auth" yaml:"auth"`
	TLS             TLS                 `mapstructure:"tls" yaml:"tls"`
	Services        ServiceLimits       `mapstructure:"services" yaml:"services"`
	Penalties       Penalties           `mapstructure:"penalties" yaml:"penalties"`
	Listeners       map[string]Listener `mapstructure:"listeners" yaml:"listeners"`
}

// Log configures logging.
type Log struct {
	Level  string `mapstructure:"level" yaml:"level"`   // debug, info, warn, error
	Format string `mapstructure:"format" yaml:"format"` // text, json
}

// Control configures the control socket.
type Control struct {
	// Socket is the unix socket's path; empty means <data_dir>/control.sock.
	Socket string `mapstructure:"socket" yaml:"socket"`
	// Group may use the socket besides root and axd's own user.
	Group string `mapstructure:"group" yaml:"group"`
}

// SocketPath is where the control socket of this configuration lives.
func (c *Config) SocketPath() string {
	if c.Control.Socket != "" {
		return c.Control.Socket
	}
	return filepath.Join(c.DataDir, "control.sock")
}

// Metrics configures the Prometheus endpoint.
type Metrics struct {
	Listen string `mapstructure:"listen" yaml:"listen"` // empty disables
}

// Store configures the message store.
type Store struct {
	// Paths are the locations of container files; empty means the data dir.
	Paths []string `mapstructure:"paths" yaml:"paths"`
	// Dirs is the number of sub-directories per location.
	Dirs int `mapstructure:"dirs" yaml:"dirs"`
	// ContainerSize seals a container at this size.
	ContainerSize Size `mapstructure:"container_size" yaml:"container_size"`
	// CacheMessages caps the messages of hot mailboxes kept in RAM.
	CacheMessages int `mapstructure:"cache_messages" yaml:"cache_messages"`
}

// Limits are the server-level settings that domains and accounts inherit
// and may override. 0 means unlimited.
type Limits struct {
	Quota             Size     `mapstructure:"quota" yaml:"quota"`
	QuotaMessages     int64    `mapstructure:"quota_messages" yaml:"quota_messages"`
	MaxMessageSize    Size     `mapstructure:"max_message_size" yaml:"max_message_size"`
	MaxAttachmentSize Size     `mapstructure:"max_attachment_size" yaml:"max_attachment_size"`
	MessagesPerHour   int64    `mapstructure:"messages_per_hour" yaml:"messages_per_hour"`
	IdleTimeout       Duration `mapstructure:"idle_timeout" yaml:"idle_timeout"`
	ActivityTimeout   Duration `mapstructure:"activity_timeout" yaml:"activity_timeout"`
}

// Auth configures password hashing.
type Auth struct {
	// Scheme hashes new passwords: argon2id or bcrypt.
	Scheme          string `mapstructure:"scheme" yaml:"scheme"`
	Argon2Time      uint32 `mapstructure:"argon2_time" yaml:"argon2_time"`
	Argon2MemoryKiB uint32 `mapstructure:"argon2_memory_kib" yaml:"argon2_memory_kib"`
	Argon2Threads   uint8  `mapstructure:"argon2_threads" yaml:"argon2_threads"`
	BcryptCost      int    `mapstructure:"bcrypt_cost" yaml:"bcrypt_cost"`
	// AllowWeak accepts imported weak hashes: {PLAIN}, {PLAIN-MD5}, {MD5}
	// (MD5-crypt). {CRYPT} is judged by the hash it holds.
	AllowWeak bool `mapstructure:"allow_weak" yaml:"allow_weak"`
	// Rehash replaces a stored hash of another scheme or cost with the
	// configured one on a successful login.
	Rehash bool `mapstructure:"rehash" yaml:"rehash"`
}

// Services a listener may run.
var Services = []string{"smtp", "submission", "lmtp", "imap", "pop3"}

// Defaults are the embedded defaults: with no file at all, this is the
// configuration.
func Defaults() map[string]any {
	m := map[string]any{
		"data_dir":                         "./axdata",
		"hostname":                         "",
		"shutdown_timeout":                 "30s",
		"log.level":                        "info",
		"log.format":                       "text",
		"control.socket":                   "",
		"control.group":                    "",
		"metrics.listen":                   "127.0.0.1:9190",
		"store.paths":                      []string{},
		"store.dirs":                       16,
		"store.container_size":             "64M",
		"store.cache_messages":             4_000_000,
		"limits.quota":                     "0",
		"limits.quota_messages":            0,
		"limits.max_message_size":          "50M",
		"limits.max_attachment_size":       "0",
		"limits.messages_per_hour":         0,
		"limits.idle_timeout":              "30m",
		"limits.activity_timeout":          "0s",
		"auth.scheme":                      "argon2id",
		"auth.argon2_time":                 1,
		"auth.argon2_memory_kib":           64 * 1024,
		"auth.argon2_threads":              1,
		"auth.bcrypt_cost":                 10,
		"auth.allow_weak":                  false,
		"auth.rehash":                      true,
		"tls.cert":                         "",
		"tls.key":                          "",
		"services.smtp.max_sessions":       1000,
		"services.submission.max_sessions": 1000,
		"services.lmtp.max_sessions":       200,
		"services.imap.max_sessions":       2000,
		"services.pop3.max_sessions":       500,
		// Dovecot's auth_failure_delay and its cap; Postfix-like bans
		// after repeated drops, lifted after an hour.
		"penalties.ban_after_drops": 5,
		"penalties.ban_window":      "10m",
		"penalties.ban_duration":    "1h",
		"penalties.auth_delay":      "2s",
		"penalties.max_auth_delay":  "15s",
	}
	for k, v := range listenerDefaults() {
		m[k] = v
	}
	return m
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
	v.AllowEmptyEnv(true) // AXD_METRICS_LISTEN= disables, as an empty key in the file does
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
	// A listener the file adds under a name of its own gets its service's
	// defaults, as the embedded ones have; AXD_ variables then reach its
	// keys too.
	for name := range v.GetStringMap("listeners") {
		p := "listeners." + name + "."
		for k, val := range serviceDefaults(v.GetString(p + "service")) {
			v.SetDefault(p+k, val)
		}
	}
	var c Config
	hooks := mapstructure.ComposeDecodeHookFunc(sizeHook(), durationHook(), mapstructure.StringToSliceHookFunc(","))
	if err := v.Unmarshal(&c, viper.DecodeHook(hooks), func(dc *mapstructure.DecoderConfig) {
		dc.ErrorUnused = true
	}); err != nil {
		return nil, &Error{Problems: []string{unmarshalProblem(err)}}
	}
	if c.Hostname == "" {
		c.Hostname, _ = os.Hostname()
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// unmarshalProblem shortens mapstructure's errors to the key and reason.
func unmarshalProblem(err error) string {
	msg := err.Error()
	msg = strings.ReplaceAll(msg, "decoding failed due to the following error(s):\n\n", "")
	msg = strings.ReplaceAll(msg, "\n", "; ")
	return msg
}

// Error lists every problem of a configuration.
type Error struct{ Problems []string }

func (e *Error) Error() string { return "config: " + strings.Join(e.Problems, "; ") }

// IsConfigError reports whether err is a configuration problem.
func IsConfigError(err error) bool {
	var ce *Error
	return errors.As(err, &ce)
}
