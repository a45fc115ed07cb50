package directory

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func TestServerSettings(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	config := Settings{QuotaBytes: ptr[int64](100), IdleTimeout: ptr(time.Hour)}
	d := openTest(t, Options{Path: path, Server: config})
	mustDomain(t, d, "ex.org", Settings{})
	mustAccount(t, d, "a@ex.org", Settings{})

	steps := []struct {
		name  string
		do    func() error
		quota int64
		idle  time.Duration
		msgs  int64
	}{
		{"config over defaults", func() error { return nil }, 100, time.Hour, 0},
		{"stored overrides config", func() error {
			return d.PatchServerSettings(ctx, SettingsPatch{Set: Settings{QuotaBytes: ptr[int64](200), MessagesPerHour: ptr[int64](9)}})
		}, 200, time.Hour, 9},
		{"reload keeps stored", func() error {
			return d.SetServerSettings(Settings{QuotaBytes: ptr[int64](300), IdleTimeout: ptr(time.Minute)})
		}, 200, time.Minute, 9},
		{"inherit returns to config", func() error {
			return d.PatchServerSettings(ctx, SettingsPatch{Inherit: FieldQuota})
		}, 300, time.Minute, 9},
		{"bad patch changes nothing", func() error {
			err := d.PatchServerSettings(ctx, SettingsPatch{Set: Settings{QuotaBytes: ptr[int64](-1)}})
			if !errors.Is(err, ErrInvalid) {
				return errors.New("negative quota accepted")
			}
			return nil
		}, 300, time.Minute, 9},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		s := d.ServerSettings()
		e, err := d.Effective("a@ex.org")
		if err != nil || s.QuotaBytes != st.quota || s.IdleTimeout != st.idle || s.MessagesPerHour != st.msgs || e.QuotaBytes != st.quota || e.MessagesPerHour != st.msgs {
			t.Fatalf("%s: server %+v, account %+v, %v", st.name, s, e, err)
		}
	}
	if s := d.StoredServerSettings(); s.QuotaBytes != nil || *s.MessagesPerHour != 9 {
		t.Fatalf("StoredServerSettings = %+v", s)
	}
	d.Close()

	d2 := openTest(t, Options{Path: path, Server: config})
	if s := d2.ServerSettings(); s.QuotaBytes != 100 || s.MessagesPerHour != 9 {
		t.Fatalf("after reopen: %+v", s)
	}
}
