package directory

import (
	"testing"
	"time"
)

// FuzzDecode feeds arbitrary bytes to every stored-value decoder: each
// must return a value or an error, never panic; a value it accepts
// re-encodes to bytes that decode to the same value, and its addresses can
// be taken apart as lookups do.
func FuzzDecode(f *testing.F) {
	full, _ := Settings{QuotaBytes: ptr[int64](1 << 30), QuotaMessages: ptr[int64](0), MaxMessageSize: ptr[int64](25 << 20),
		MaxAttachmentSize: ptr[int64](10 << 20), MessagesPerHour: ptr[int64](500), IdleTimeout: ptr(30 * time.Minute),
		ActivityTimeout: ptr(24 * time.Hour), Enabled: ptr(false), Services: ptr(ServiceIMAP | ServiceLMTP)}.toVals()
	seeds := [][]byte{
		(&domainRec{v: full, created: 1735700000000000000, updated: 1735700000000000001}).encode(),
		(&domainRec{}).encode(),
		(&accountRec{email: "Bob@example.org", name: "Bob", hash: "{ARGON2ID}$argon2id$v=19$m=65536", v: full, created: 1, updated: 2}).encode(),
		(&accountRec{email: "a@b"}).encode(),
		(&aliasRec{targets: []string{"bob@example.org", "Far@remote.example"}, created: 5, updated: 6}).encode(),
		{}, {valueFormat}, {2, 0, 0, 0}, {valueFormat, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if r, err := decodeDomain(data); err == nil {
			r2, err := decodeDomain(r.encode())
			if err != nil || *r2 != *r {
				t.Fatalf("domain round trip: %+v vs %+v (%v)", r, r2, err)
			}
			r.v.settings()
			resolve(defaultVals(), &r.v)
		}
		if r, err := decodeAccount(data); err == nil {
			r2, err := decodeAccount(r.encode())
			if err != nil || *r2 != *r {
				t.Fatalf("account round trip: %+v vs %+v (%v)", r, r2, err)
			}
			email, v, err := decodeAccountBrief(data)
			if err != nil || string(email) != r.email || v != r.v {
				t.Fatalf("brief decode differs: %q %+v %v", email, v, err)
			}
			dbKey(keyOf(r.email))
			r.account()
		} else if _, _, err := decodeAccountBrief(data); err == nil {
			t.Fatalf("brief decode accepts what full decode refuses")
		}
		if r, err := decodeAlias(data); err == nil {
			r2, err := decodeAlias(r.encode())
			if err != nil || len(r2.targets) != len(r.targets) {
				t.Fatalf("alias round trip: %+v vs %+v (%v)", r, r2, err)
			}
			for _, tg := range r.targets {
				stripPlus(keyOf(tg))
			}
		}
	})
}
