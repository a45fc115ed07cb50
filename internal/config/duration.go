package config

import (
	"fmt"
	"reflect"
	"time"

	"github.com/go-viper/mapstructure/v2"
)

// Duration is a time.Duration written as "30s", "15m", "24h"; a bare 0 is
// allowed.
type Duration time.Duration

func (d Duration) String() string { return time.Duration(d).String() }

// Set and Type make Duration a pflag.Value.
func (d *Duration) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		if s == "0" {
			*d = 0
			return nil
		}
		return fmt.Errorf("%q is not a duration (like 30s, 15m, 24h)", s)
	}
	*d = Duration(v)
	return nil
}

// Type names the flag's value in help.
func (d *Duration) Type() string { return "duration" }

func durationHook() mapstructure.DecodeHookFuncType {
	return func(from reflect.Type, to reflect.Type, data any) (any, error) {
		if to != reflect.TypeOf(Duration(0)) {
			return data, nil
		}
		switch v := data.(type) {
		case string:
			var d Duration
			err := d.Set(v)
			return d, err
		case int:
			return Duration(time.Duration(v) * time.Second), nil
		case int64:
			return Duration(time.Duration(v) * time.Second), nil
		}
		return data, nil
	}
}

// MarshalYAML prints a duration as it would be written: 30m0s.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }
