package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/axmail/axmail/internal/config"
	"github.com/axmail/axmail/internal/directory"
)

// sizeOrUnlimited prints a byte limit.
func sizeOrUnlimited(n int64) string {
	if n == 0 {
		return "unlimited"
	}
	return config.Size(n).String()
}

func countOrUnlimited(n int64) string {
	if n == 0 {
		return "unlimited"
	}
	return fmt.Sprint(n)
}

func durOrNone(d time.Duration) string {
	if d == 0 {
		return "none"
	}
	return d.String()
}

// writeEffective prints effective settings with the level each came from.
func writeEffective(w io.Writer, e directory.EffectiveSettings, origins map[string]string) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	rows := []struct {
		name, value string
		field       directory.Field
	}{
		{"quota", sizeOrUnlimited(e.QuotaBytes), directory.FieldQuota},
		{"quota-messages", countOrUnlimited(e.QuotaMessages), directory.FieldQuotaMessages},
		{"max-message-size", sizeOrUnlimited(e.MaxMessageSize), directory.FieldMaxMessageSize},
		{"max-attachment-size", sizeOrUnlimited(e.MaxAttachmentSize), directory.FieldMaxAttachmentSize},
		{"messages-per-hour", countOrUnlimited(e.MessagesPerHour), directory.FieldMessagesPerHour},
		{"idle-timeout", durOrNone(e.IdleTimeout), directory.FieldIdleTimeout},
		{"activity-timeout", durOrNone(e.ActivityTimeout), directory.FieldActivityTimeout},
		{"enabled", fmt.Sprint(e.Enabled), directory.FieldEnabled},
		{"services", e.Services.String(), directory.FieldServices},
	}
	for _, r := range rows {
		fmt.Fprintf(tw, "  %s\t%s\t(%s)\n", r.name, r.value, origins[r.field.String()])
	}
	tw.Flush()
}
