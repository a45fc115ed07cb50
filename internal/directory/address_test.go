package directory

import (
	"errors"
	"strings"
	"testing"
)

func TestCanonicalDomain(t *testing.T) {
	tests := []struct {
		name, in, want string
		wantErr        bool
	}{
		{"lower", "example.org", "example.org", false},
		{"upper", "Example.ORG", "example.org", false},
		{"final dot", "example.org.", "example.org", false},
		{"spaces", "  example.org ", "example.org", false},
		{"single label", "localhost", "localhost", false},
		{"digits and hyphen", "mx-1.example2.org", "mx-1.example2.org", false},
		{"idna", "Bücher.example", "xn--bcher-kva.example", false},
		{"a-label", "XN--BCHER-KVA.example", "xn--bcher-kva.example", false},
		{"empty", "", "", true},
		{"dot only", ".", "", true},
		{"empty label", "a..b", "", true},
		{"leading hyphen", "-a.example", "", true},
		{"trailing hyphen", "a-.example", "", true},
		{"underscore", "a_b.example", "", true},
		{"space inside", "a b.example", "", true},
		{"literal", "[127.0.0.1]", "", true},
		{"at sign", "a@b", "", true},
		{"long label", strings.Repeat("a", 64) + ".example", "", true},
		{"long name", strings.Repeat("a.", 127) + "example", "", true},
		{"bad punycode", "xn--zz-.example", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CanonicalDomain(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("CanonicalDomain(%q) = %q, %v, want ErrInvalid", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("CanonicalDomain(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestCanonicalAddress(t *testing.T) {
	tests := []struct {
		name, in, want string
		wantErr        bool
	}{
		{"plain", "bob@example.org", "bob@example.org", false},
		{"local case kept", "Bob.Smith@Example.ORG", "Bob.Smith@example.org", false},
		{"plus", "bob+tag@example.org", "bob+tag@example.org", false},
		{"atext", "a!#$%&'*+-/=?^_`{|}~z@example.org", "a!#$%&'*+-/=?^_`{|}~z@example.org", false},
		{"utf8 local", "jörg@example.org", "jörg@example.org", false},
		{"idna domain", "a@bücher.example", "a@xn--bcher-kva.example", false},
		{"no at", "bob", "", true},
		{"empty local", "@example.org", "", true},
		{"empty domain", "bob@", "", true},
		{"leading dot", ".bob@example.org", "", true},
		{"double dot", "b..ob@example.org", "", true},
		{"space", "b ob@example.org", "", true},
		{"quoted", `"bob"@example.org`, "", true},
		{"control", "b\x01ob@example.org", "", true},
		{"bad utf8", "b\xffob@example.org", "", true},
		{"long local", strings.Repeat("a", 65) + "@example.org", "", true},
		{"two ats", "a@b@example.org", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CanonicalAddress(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("CanonicalAddress(%q) = %q, %v, want ErrInvalid", tt.in, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("CanonicalAddress(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestLookupKey(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"plain", "bob@example.org", "bob@example.org", true},
		{"folded", "BOB@EXAMPLE.ORG.", "bob@example.org", true},
		{"idna", "Jörg@Bücher.example", "jörg@xn--bcher-kva.example", true},
		{"no at", "bob", "", false},
		{"empty local", "@example.org", "", false},
		{"empty domain", "bob@", "", false},
		{"bad idna", "a@\u0080\u0080", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := lookupKey(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("lookupKey(%q) = %q, %v, want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestStripPlus(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"tag", "bob+x@d", "bob@d", true},
		{"two tags", "bob+x+y@d", "bob@d", true},
		{"empty tag", "bob+@d", "bob@d", true},
		{"no tag", "bob@d", "", false},
		{"leading plus", "+x@d", "", false},
		{"catch-all", "@d", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := stripPlus(tt.in)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("stripPlus(%q) = %q, %v, want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}
