package directory

import (
	"fmt"
	"math/bits"
	"strings"
	"time"
)

// Field names one setting. Fields combine as a bit set, as in
// SettingsPatch.Inherit. Their names are the axctl limit flags.
type Field uint16

// Settings fields.
const (
	FieldQuota Field = 1 << iota
	FieldQuotaMessages
	FieldMaxMessageSize
	FieldMaxAttachmentSize
	FieldMessagesPerHour
	FieldIdleTimeout
	FieldActivityTimeout
	FieldEnabled
	FieldServices

	// AllFields is every field.
	AllFields Field = 1<<fieldCount - 1
)

// fieldCount is the number of fields; the first numericFields of them hold
// an int64 (sizes, counts, durations in nanoseconds).
const (
	fieldCount    = 9
	numericFields = 7
)

var fieldNames = [fieldCount]string{
	"quota", "quota-messages", "max-message-size", "max-attachment-size",
	"messages-per-hour", "idle-timeout", "activity-timeout", "enabled", "services",
}

// String returns the field's name, or the names of a set joined by commas.
func (f Field) String() string {
	var names []string
	for i := range fieldCount {
		if f&(1<<i) != 0 {
			names = append(names, fieldNames[i])
		}
	}
	return strings.Join(names, ",")
}

// ParseField returns the field with the given name ("quota", "idle-timeout").
func ParseField(name string) (Field, error) {
	for i, n := range fieldNames {
		if n == name {
			return 1 << i, nil
		}
	}
	return 0, fmt.Errorf("%w: unknown setting %q", ErrInvalid, name)
}

// index is the position of a single field.
func (f Field) index() int { return bits.TrailingZeros16(uint16(f)) }

// Settings are the limits and switches of one level: the server, a domain
// or an account. A nil field inherits from the level above; the server
// level fills every nil field with DefaultServerSettings. Sizes are
// bytes and 0 means no limit, as do 0 counts and 0 durations.
type Settings struct {
	QuotaBytes        *int64         `json:"quota_bytes,omitempty"`
	QuotaMessages     *int64         `json:"quota_messages,omitempty"`
	MaxMessageSize    *int64         `json:"max_message_size,omitempty"`
	MaxAttachmentSize *int64         `json:"max_attachment_size,omitempty"`
	MessagesPerHour   *int64         `json:"messages_per_hour,omitempty"`
	IdleTimeout       *time.Duration `json:"idle_timeout,omitempty"`
	ActivityTimeout   *time.Duration `json:"activity_timeout,omitempty"`
	// Enabled false disables the level and everything below it: a disabled
	// domain disables all its accounts whatever they say.
	Enabled *bool `json:"enabled,omitempty"`
	// Services are the services allowed; a pointer to an empty set allows
	// none.
	Services *Services `json:"services,omitempty"`
}

// SettingsPatch changes settings: fields set in Set replace the current
// value, fields in Inherit go back to inheriting. A field may not be in
// both.
type SettingsPatch struct {
	Set     Settings `json:"set"`
	Inherit Field    `json:"inherit,omitempty"`
}

// Level is where an effective setting comes from.
type Level uint8

// Levels, from the top.
const (
	LevelServer Level = iota
	LevelDomain
	LevelAccount
)

func (l Level) String() string {
	switch l {
	case LevelServer:
		return "server"
	case LevelDomain:
		return "domain"
	case LevelAccount:
		return "account"
	}
	return fmt.Sprintf("level(%d)", l)
}

// EffectiveSettings are resolved settings: every value concrete, with the
// level each came from.
type EffectiveSettings struct {
	QuotaBytes        int64         `json:"quota_bytes"`
	QuotaMessages     int64         `json:"quota_messages"`
	MaxMessageSize    int64         `json:"max_message_size"`
	MaxAttachmentSize int64         `json:"max_attachment_size"`
	MessagesPerHour   int64         `json:"messages_per_hour"`
	IdleTimeout       time.Duration `json:"idle_timeout"`
	ActivityTimeout   time.Duration `json:"activity_timeout"`
	Enabled           bool          `json:"enabled"`
	Services          Services      `json:"services"`
	Origin            Origins       `json:"-"`
}

// Origins records, per field, the level an effective value came from.
type Origins [fieldCount]Level

// Of returns the level field f came from.
func (o Origins) Of(f Field) Level { return o[f.index()] }

// Default server settings: no size, count or rate limit; sessions close
// after 30 minutes without a command (RFC 9051 §5.4's autologout minimum,
// Dovecot's and Postfix's order of magnitude) and have no cap on their
// total length, since IMAP IDLE sessions legitimately live for days;
// enabled; every service.
const (
	DefaultIdleTimeout     = 30 * time.Minute
	DefaultActivityTimeout = 0
)

// DefaultServerSettings returns the built-in server level.
func DefaultServerSettings() EffectiveSettings {
	return defaultVals().effective(Origins{})
}

// vals is the compact internal form of Settings: a set of present fields
// and their values, the others zero, so that two vals compare with ==.
type vals struct {
	set      Field
	n        [numericFields]int64
	enabled  bool
	services Services
}

func defaultVals() vals {
	v := vals{set: AllFields, enabled: true, services: AllServices}
	v.n[FieldIdleTimeout.index()] = int64(DefaultIdleTimeout)
	v.n[FieldActivityTimeout.index()] = int64(DefaultActivityTimeout)
	return v
}

func (s *Settings) numeric() [numericFields]*int64 {
	return [numericFields]*int64{s.QuotaBytes, s.QuotaMessages, s.MaxMessageSize, s.MaxAttachmentSize,
		s.MessagesPerHour, (*int64)(s.IdleTimeout), (*int64)(s.ActivityTimeout)}
}

// toVals validates s and returns its compact form.
func (s Settings) toVals() (vals, error) {
	var v vals
	for i, p := range s.numeric() {
		if p == nil {
			continue
		}
		if *p < 0 {
			return vals{}, fmt.Errorf("%w: %s must not be negative", ErrInvalid, fieldNames[i])
		}
		v.set |= 1 << i
		v.n[i] = *p
	}
	if s.Enabled != nil {
		v.set |= FieldEnabled
		v.enabled = *s.Enabled
	}
	if s.Services != nil {
		if *s.Services&^AllServices != 0 {
			return vals{}, fmt.Errorf("%w: unknown services %#x", ErrInvalid, uint8(*s.Services))
		}
		v.set |= FieldServices
		v.services = *s.Services
	}
	return v, nil
}

// settings returns v as Settings, with fresh pointers.
func (v vals) settings() Settings {
	var s Settings
	ptrs := [numericFields]**int64{&s.QuotaBytes, &s.QuotaMessages, &s.MaxMessageSize, &s.MaxAttachmentSize, &s.MessagesPerHour}
	for i := range numericFields {
		if v.set&(1<<i) == 0 {
			continue
		}
		n := v.n[i]
		switch Field(1 << i) {
		case FieldIdleTimeout:
			d := time.Duration(n)
			s.IdleTimeout = &d
		case FieldActivityTimeout:
			d := time.Duration(n)
			s.ActivityTimeout = &d
		default:
			*ptrs[i] = &n
		}
	}
	if v.set&FieldEnabled != 0 {
		e := v.enabled
		s.Enabled = &e
	}
	if v.set&FieldServices != 0 {
		sv := v.services
		s.Services = &sv
	}
	return s
}

// apply returns v changed by p.
func (v vals) apply(p SettingsPatch) (vals, error) {
	set, err := p.Set.toVals()
	if err != nil {
		return vals{}, err
	}
	if p.Inherit&^AllFields != 0 {
		return vals{}, fmt.Errorf("%w: unknown fields %#x", ErrInvalid, uint16(p.Inherit))
	}
	if both := set.set & p.Inherit; both != 0 {
		return vals{}, fmt.Errorf("%w: %s both set and inherited", ErrInvalid, both)
	}
	v = v.clear(p.Inherit)
	return v.over(set, false), nil
}

// clear drops fields, keeping the zero-unless-set invariant.
func (v vals) clear(f Field) vals {
	for i := range numericFields {
		if f&(1<<i) != 0 {
			v.n[i] = 0
		}
	}
	if f&FieldEnabled != 0 {
		v.enabled = false
	}
	if f&FieldServices != 0 {
		v.services = 0
	}
	v.set &^= f
	return v
}

// over returns v with the fields set in w replacing its own. With and
// true, Enabled combines as a logical and instead.
func (v vals) over(w vals, and bool) vals {
	for i := range numericFields {
		if w.set&(1<<i) != 0 {
			v.n[i] = w.n[i]
		}
	}
	if w.set&FieldEnabled != 0 {
		if and {
			v.enabled = v.enabled && w.enabled
		} else {
			v.enabled = w.enabled
		}
	}
	if w.set&FieldServices != 0 {
		v.services = w.services
	}
	v.set |= w.set
	return v
}

// resolve merges the levels from the top; nil levels are skipped. The
// server level must have every field set.
func resolve(server vals, levels ...*vals) EffectiveSettings {
	eff := server
	var o Origins
	disabledAt := -1
	if !server.enabled {
		disabledAt = int(LevelServer)
	}
	for i, l := range levels {
		if l == nil {
			continue
		}
		lvl := Level(i + 1)
		for f := range fieldCount {
			if l.set&(1<<f) != 0 && Field(1<<f) != FieldEnabled {
				o[f] = lvl
			}
		}
		if l.set&FieldEnabled != 0 && disabledAt < 0 {
			o[FieldEnabled.index()] = lvl
			if !l.enabled {
				disabledAt = int(lvl)
			}
		}
		eff = eff.over(*l, true)
	}
	return eff.effective(o)
}

func (v vals) effective(o Origins) EffectiveSettings {
	return EffectiveSettings{
		QuotaBytes:        v.n[0],
		QuotaMessages:     v.n[1],
		MaxMessageSize:    v.n[2],
		MaxAttachmentSize: v.n[3],
		MessagesPerHour:   v.n[4],
		IdleTimeout:       time.Duration(v.n[5]),
		ActivityTimeout:   time.Duration(v.n[6]),
		Enabled:           v.enabled,
		Services:          v.services,
		Origin:            o,
	}
}

// serverVals returns the server level: s over the defaults.
func serverVals(s Settings) (vals, error) {
	v, err := s.toVals()
	if err != nil {
		return vals{}, fmt.Errorf("server settings: %w", err)
	}
	return defaultVals().over(v, false), nil
}
