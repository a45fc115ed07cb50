package directory

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestEffectiveInheritance(t *testing.T) {
	ctx := context.Background()
	d := openTest(t, Options{Server: Settings{QuotaBytes: ptr[int64](1 << 30), MaxMessageSize: ptr[int64](25 << 20)}})
	mustDomain(t, d, "plain.example", Settings{})
	mustDomain(t, d, "big.example", Settings{QuotaBytes: ptr[int64](10 << 30), IdleTimeout: ptr(time.Hour), Services: ptr(ServiceSMTP | ServiceIMAP)})
	mustDomain(t, d, "off.example", Settings{Enabled: ptr(false)})
	mustAccount(t, d, "a@plain.example", Settings{})
	mustAccount(t, d, "b@plain.example", Settings{QuotaBytes: ptr[int64](0), MessagesPerHour: ptr[int64](100)})
	mustAccount(t, d, "c@big.example", Settings{})
	mustAccount(t, d, "d@big.example", Settings{QuotaBytes: ptr[int64](5), Services: ptr(Services(0))})
	mustAccount(t, d, "e@off.example", Settings{Enabled: ptr(true)})
	mustAccount(t, d, "f@plain.example", Settings{Enabled: ptr(false)})

	def := DefaultServerSettings()
	tests := []struct {
		name  string
		email string
		check func(e EffectiveSettings) bool
	}{
		{"server quota", "a@plain.example", func(e EffectiveSettings) bool {
			return e.QuotaBytes == 1<<30 && e.Origin.Of(FieldQuota) == LevelServer && e.MaxMessageSize == 25<<20
		}},
		{"server defaults", "a@plain.example", func(e EffectiveSettings) bool {
			return e.IdleTimeout == def.IdleTimeout && e.ActivityTimeout == 0 && e.Enabled && e.Services == AllServices &&
				e.QuotaMessages == 0 && e.MaxAttachmentSize == 0 && e.MessagesPerHour == 0
		}},
		{"account zero overrides", "b@plain.example", func(e EffectiveSettings) bool {
			return e.QuotaBytes == 0 && e.Origin.Of(FieldQuota) == LevelAccount && e.MessagesPerHour == 100
		}},
		{"domain overrides server", "c@big.example", func(e EffectiveSettings) bool {
			return e.QuotaBytes == 10<<30 && e.Origin.Of(FieldQuota) == LevelDomain && e.IdleTimeout == time.Hour &&
				e.Services == ServiceSMTP|ServiceIMAP && e.MaxMessageSize == 25<<20
		}},
		{"account overrides domain", "d@big.example", func(e EffectiveSettings) bool {
			return e.QuotaBytes == 5 && e.Services == 0 && e.Origin.Of(FieldServices) == LevelAccount && e.IdleTimeout == time.Hour
		}},
		{"disabled domain wins", "e@off.example", func(e EffectiveSettings) bool {
			return !e.Enabled && e.Origin.Of(FieldEnabled) == LevelDomain
		}},
		{"disabled account", "f@plain.example", func(e EffectiveSettings) bool {
			return !e.Enabled && e.Origin.Of(FieldEnabled) == LevelAccount
		}},
		{"case-insensitive", "A@PLAIN.EXAMPLE", func(e EffectiveSettings) bool { return e.QuotaBytes == 1<<30 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := d.Effective(tt.email)
			if err != nil {
				t.Fatalf("Effective(%q): %v", tt.email, err)
			}
			if !tt.check(e) {
				t.Fatalf("Effective(%q) = %+v", tt.email, e)
			}
		})
	}

	if _, err := d.Effective("nobody@plain.example"); !errors.Is(err, ErrNoAccount) {
		t.Fatalf("Effective(nobody) = %v, want ErrNoAccount", err)
	}
	if _, err := d.Effective("nonsense"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Effective(nonsense) = %v, want ErrInvalid", err)
	}

	// Disabling the server disables everyone; a reload changes the server level.
	if err := d.SetServerSettings(Settings{Enabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	if e, _ := d.Effective("a@plain.example"); e.Enabled || e.QuotaBytes != 0 {
		t.Fatalf("after server reload: %+v", e)
	}
	if err := d.SetServerSettings(Settings{QuotaBytes: ptr[int64](-1)}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("SetServerSettings(negative) = %v", err)
	}

	// Re-enabling the domain lets its accounts in again.
	if _, err := d.SetDomain(ctx, "off.example", SettingsPatch{Inherit: FieldEnabled}); err != nil {
		t.Fatal(err)
	}
	d.SetServerSettings(Settings{})
	if e, _ := d.Effective("e@off.example"); !e.Enabled {
		t.Fatalf("after domain enabled: %+v", e)
	}
	if e, err := d.DomainEffective("BIG.example"); err != nil || e.QuotaBytes != 10<<30 {
		t.Fatalf("DomainEffective = %+v, %v", e, err)
	}
}

func TestSettingsPatch(t *testing.T) {
	base := Settings{QuotaBytes: ptr[int64](10), IdleTimeout: ptr(time.Minute), Enabled: ptr(false)}
	tests := []struct {
		name    string
		patch   SettingsPatch
		want    Settings
		wantErr bool
	}{
		{"empty", SettingsPatch{}, base, false},
		{"set one", SettingsPatch{Set: Settings{QuotaBytes: ptr[int64](20)}},
			Settings{QuotaBytes: ptr[int64](20), IdleTimeout: ptr(time.Minute), Enabled: ptr(false)}, false},
		{"inherit two", SettingsPatch{Inherit: FieldQuota | FieldEnabled}, Settings{IdleTimeout: ptr(time.Minute)}, false},
		{"set and inherit others", SettingsPatch{Set: Settings{Services: ptr(ServicePOP3)}, Inherit: FieldIdleTimeout},
			Settings{QuotaBytes: ptr[int64](10), Enabled: ptr(false), Services: ptr(ServicePOP3)}, false},
		{"inherit unset field", SettingsPatch{Inherit: FieldMessagesPerHour}, base, false},
		{"both", SettingsPatch{Set: Settings{QuotaBytes: ptr[int64](1)}, Inherit: FieldQuota}, Settings{}, true},
		{"negative", SettingsPatch{Set: Settings{MaxMessageSize: ptr[int64](-1)}}, Settings{}, true},
		{"negative duration", SettingsPatch{Set: Settings{ActivityTimeout: ptr(-time.Second)}}, Settings{}, true},
		{"unknown service", SettingsPatch{Set: Settings{Services: ptr(Services(0x80))}}, Settings{}, true},
		{"unknown field", SettingsPatch{Inherit: 1 << 12}, Settings{}, true},
	}
	v0, err := base.toVals()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := v0.apply(tt.patch)
			if tt.wantErr {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("apply(%+v) = %v, want ErrInvalid", tt.patch, err)
				}
				return
			}
			want, _ := tt.want.toVals()
			if err != nil || got != want {
				t.Fatalf("apply(%+v) = %+v, %v, want %+v", tt.patch, got, err, want)
			}
			if back, _ := got.settings().toVals(); back != got {
				t.Fatalf("settings round trip: %+v vs %+v", back, got)
			}
		})
	}
}

func TestServices(t *testing.T) {
	tests := []struct {
		in      string
		want    Services
		str     string
		wantErr bool
	}{
		{"smtp,imap", ServiceSMTP | ServiceIMAP, "smtp,imap", false},
		{"IMAP pop3", ServiceIMAP | ServicePOP3, "imap,pop3", false},
		{"all", AllServices, "smtp,submission,lmtp,imap,pop3", false},
		{"", 0, "none", false},
		{"none", 0, "none", false},
		{"lmtp,,submission", ServiceLMTP | ServiceSubmission, "submission,lmtp", false},
		{"ftp", 0, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseServices(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("ParseServices(%q) = %v, %v, want ErrInvalid", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want || got.String() != tt.str {
				t.Fatalf("ParseServices(%q) = %v (%s), %v, want %v (%s)", tt.in, got, got, err, tt.want, tt.str)
			}
		})
	}
	b, _ := json.Marshal(Settings{Services: ptr(ServiceSMTP | ServicePOP3)})
	var s Settings
	if err := json.Unmarshal(b, &s); err != nil || *s.Services != ServiceSMTP|ServicePOP3 {
		t.Fatalf("JSON round trip of %s: %v, %v", b, s.Services, err)
	}
	if !AllServices.Has(ServiceIMAP|ServiceLMTP) || ServiceIMAP.Has(ServiceIMAP|ServiceLMTP) {
		t.Fatalf("Has is wrong")
	}
}

func TestParseField(t *testing.T) {
	for i, name := range fieldNames {
		f, err := ParseField(name)
		if err != nil || f != 1<<i || f.String() != name {
			t.Fatalf("ParseField(%q) = %v, %v", name, f, err)
		}
	}
	if _, err := ParseField("colour"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("ParseField(colour) = %v", err)
	}
	if s := (FieldQuota | FieldServices).String(); s != "quota,services" {
		t.Fatalf("String = %q", s)
	}
}
