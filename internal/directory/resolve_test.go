package directory

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

func TestResolve(t *testing.T) {
	d := openTest(t, Options{})
	for _, dom := range []string{"example.org", "catch.example", "loop.example"} {
		mustDomain(t, d, dom, Settings{})
	}
	mustAccount(t, d, "Bob@example.org", Settings{})
	mustAccount(t, d, "carol@example.org", Settings{})
	mustAccount(t, d, "bob+fixed@example.org", Settings{})
	mustAccount(t, d, "dave@catch.example", Settings{})
	mustAlias(t, d, "sales@example.org", "bob@example.org", "carol@example.org")
	mustAlias(t, d, "team@example.org", "sales@example.org", "Ext@remote.example", "carol@example.org")
	mustAlias(t, d, "dead@example.org", "gone@example.org")
	mustAlias(t, d, "fwd@example.org", "dead@example.org", "carol@example.org")
	mustAlias(t, d, "list@example.org", "sales+news@example.org")
	mustAlias(t, d, "@catch.example", "dave@catch.example")
	mustAlias(t, d, "info@catch.example", "nobody@catch.example")
	mustAlias(t, d, "a@loop.example", "b@loop.example")
	mustAlias(t, d, "b@loop.example", "a@loop.example")
	mustAlias(t, d, "self@loop.example", "x@loop.example", "carol@example.org")
	mustAlias(t, d, "x@loop.example", "self@loop.example")
	mustAlias(t, d, "@loop.example", "a@loop.example")
	// A chain longer than maxAliasDepth.
	for i := range maxAliasDepth + 2 {
		mustAlias(t, d, fmt.Sprintf("c%d@example.org", i), fmt.Sprintf("c%d@example.org", i+1))
	}
	mustAccount(t, d, fmt.Sprintf("c%d@example.org", maxAliasDepth+2), Settings{})
	mustAlias(t, d, "short@example.org", fmt.Sprintf("c%d@example.org", 5))

	tests := []struct {
		name   string
		addr   string
		local  []string
		remote []string
		err    error
	}{
		{"account", "bob@example.org", []string{"Bob@example.org"}, nil, nil},
		{"account any case", "BOB@Example.Org.", []string{"Bob@example.org"}, nil, nil},
		{"alias", "sales@example.org", []string{"Bob@example.org", "carol@example.org"}, nil, nil},
		{"nested alias dedup and remote", "Team@example.org", []string{"carol@example.org", "Bob@example.org"}, []string{"Ext@remote.example"}, nil},
		{"plus to account", "bob+news@example.org", []string{"Bob@example.org"}, nil, nil},
		{"plus exact account first", "bob+fixed@example.org", []string{"bob+fixed@example.org"}, nil, nil},
		{"plus to alias", "sales+x@example.org", []string{"Bob@example.org", "carol@example.org"}, nil, nil},
		{"alias to plus address", "list@example.org", []string{"Bob@example.org", "carol@example.org"}, nil, nil},
		{"dead target dropped", "fwd@example.org", []string{"carol@example.org"}, nil, nil},
		{"only dead targets", "dead@example.org", nil, nil, ErrNotFound},
		{"unknown", "nobody@example.org", nil, nil, ErrNotFound},
		{"unknown plus", "nobody+x@example.org", nil, nil, ErrNotFound},
		{"catch-all", "anything@catch.example", []string{"dave@catch.example"}, nil, nil},
		{"catch-all plus", "x+y@catch.example", []string{"dave@catch.example"}, nil, nil},
		{"alias before catch-all", "info@catch.example", []string{"dave@catch.example"}, nil, nil},
		{"loop", "a@loop.example", nil, nil, ErrNotFound},
		{"loop through catch-all", "zzz@loop.example", nil, nil, ErrNotFound},
		{"loop with exit", "self@loop.example", []string{"carol@example.org"}, nil, nil},
		{"chain too deep", "c0@example.org", nil, nil, ErrNotFound},
		{"chain within limit", "short@example.org", []string{fmt.Sprintf("c%d@example.org", maxAliasDepth+2)}, nil, nil},
		{"remote domain", "bob@remote.example", nil, nil, ErrNoDomain},
		{"idna domain not local", "bob@bücher.example", nil, nil, ErrNoDomain},
		{"no address", "bob", nil, nil, ErrInvalid},
		{"empty local", "@example.org", nil, nil, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := d.Resolve(tt.addr)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("Resolve(%q) = %+v, %v, want %v", tt.addr, got, err, tt.err)
				}
				return
			}
			if err != nil || !slices.Equal(got.Accounts, tt.local) || !slices.Equal(got.Remote, tt.remote) {
				t.Fatalf("Resolve(%q) = %+v, %v, want %q %q", tt.addr, got, err, tt.local, tt.remote)
			}
		})
	}
}

// TestResolveWide checks that a graph of wide aliases that all point at
// each other stays bounded.
func TestResolveWide(t *testing.T) {
	d := openTest(t, Options{})
	mustDomain(t, d, "w.example", Settings{})
	var all []string
	for i := range 50 {
		all = append(all, fmt.Sprintf("a%d@w.example", i))
	}
	for _, a := range all {
		var others []string
		for _, b := range all {
			if b != a {
				others = append(others, b)
			}
		}
		mustAlias(t, d, a, others...)
	}
	mustAccount(t, d, "end@w.example", Settings{})
	mustAlias(t, d, "a49@w.example", "end@w.example")
	got, err := d.Resolve("a0@w.example")
	if err != nil || !slices.Equal(got.Accounts, []string{"end@w.example"}) {
		t.Fatalf("Resolve = %+v, %v", got, err)
	}
}
