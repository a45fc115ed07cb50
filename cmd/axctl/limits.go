package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/axmail/axmail/internal/cli"
	"github.com/axmail/axmail/internal/config"
	"github.com/axmail/axmail/internal/directory"
)

// limitFlags are the settings flags shared by domain, account and
// settings commands. Only flags given on the command line change
// anything; --inherit puts settings back to inheriting.
type limitFlags struct {
	quota, maxMessage, maxAttachment config.Size
	quotaMessages, perHour           int64
	idle, activity                   config.Duration
	services                         string
	inherit                          []string
	cmd                              *cobra.Command
}

func (l *limitFlags) addFlags(cmd *cobra.Command, withInherit bool) {
	l.cmd = cmd
	f := cmd.Flags()
	f.Var(&l.quota, "quota", "storage quota (bytes, or with K, M, G; 0 unlimited)")
	f.Int64Var(&l.quotaMessages, "quota-messages", 0, "message count quota (0 unlimited)")
	f.Var(&l.maxMessage, "max-message-size", "largest message accepted (0 unlimited)")
	f.Var(&l.maxAttachment, "max-attachment-size", "largest attachment accepted (0 unlimited)")
	f.Int64Var(&l.perHour, "messages-per-hour", 0, "messages sent per hour (0 unlimited)")
	f.Var(&l.idle, "idle-timeout", "session idle timeout (e.g. 30m; 0 none)")
	f.Var(&l.activity, "activity-timeout", "session activity timeout (e.g. 24h; 0 none)")
	f.StringVar(&l.services, "services", "", "services allowed: comma-separated smtp, submission, lmtp, imap, pop3, or all / none")
	if withInherit {
		f.StringSliceVar(&l.inherit, "inherit", nil, "settings to inherit again (quota, quota-messages, max-message-size, ..., services)")
	}
}

// settings returns the settings named on the command line.
func (l *limitFlags) settings() (directory.Settings, error) {
	var s directory.Settings
	f := l.cmd.Flags()
	i64 := func(v int64) *int64 { return &v }
	dur := func(v config.Duration) *time.Duration { d := time.Duration(v); return &d }
	if f.Changed("quota") {
		s.QuotaBytes = i64(int64(l.quota))
	}
	if f.Changed("quota-messages") {
		s.QuotaMessages = i64(l.quotaMessages)
	}
	if f.Changed("max-message-size") {
		s.MaxMessageSize = i64(int64(l.maxMessage))
	}
	if f.Changed("max-attachment-size") {
		s.MaxAttachmentSize = i64(int64(l.maxAttachment))
	}
	if f.Changed("messages-per-hour") {
		s.MessagesPerHour = i64(l.perHour)
	}
	if f.Changed("idle-timeout") {
		s.IdleTimeout = dur(l.idle)
	}
	if f.Changed("activity-timeout") {
		s.ActivityTimeout = dur(l.activity)
	}
	if f.Changed("services") {
		sv, err := directory.ParseServices(l.services)
		if err != nil {
			return s, &cli.ExitError{Code: exitUsage, Err: fmt.Errorf("--services: %v", err)}
		}
		s.Services = &sv
	}
	for _, n := range []*int64{s.QuotaMessages, s.MessagesPerHour} {
		if n != nil && *n < 0 {
			return s, &cli.ExitError{Code: exitUsage, Err: fmt.Errorf("counts must not be negative")}
		}
	}
	for _, d := range []*time.Duration{s.IdleTimeout, s.ActivityTimeout} {
		if d != nil && *d < 0 {
			return s, &cli.ExitError{Code: exitUsage, Err: fmt.Errorf("timeouts must not be negative")}
		}
	}
	return s, nil
}

// patch returns the settings named on the command line and --inherit.
func (l *limitFlags) patch() (directory.SettingsPatch, error) {
	s, err := l.settings()
	if err != nil {
		return directory.SettingsPatch{}, err
	}
	p := directory.SettingsPatch{Set: s}
	for _, name := range l.inherit {
		f, err := directory.ParseField(strings.TrimSpace(name))
		if err != nil {
			return p, &cli.ExitError{Code: exitUsage, Err: fmt.Errorf("--inherit: %v", err)}
		}
		p.Inherit |= f
	}
	return p, nil
}
