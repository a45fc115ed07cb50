package smtpd

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/axmail/axmail/internal/directory"
)

// errBadRemote refuses a forward-path that is not a plain remote address
// (percent hack, bang path, a second @, an address literal).
var errBadRemote = errors.New("smtpd: not a plain remote address")

// mayRelay reports whether the client may send to non-local recipients:
// it authenticated, or its IP is in Options.RelayNetworks. Never
// implicitly, loopback included.
func (ss *session) mayRelay() bool {
	if ss.account != "" {
		return true
	}
	if !ss.ip.IsValid() {
		return false
	}
	return inNetworks(ss.ip, ss.srv.opts.RelayNetworks)
}

func inNetworks(ip netip.Addr, nets []netip.Prefix) bool {
	ip = ip.Unmap().WithZone("")
	for _, p := range nets {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// checkRemote accepts a remote forward-path only in its plain form,
// local@domain: one @, no routing characters in the local part ('%' and
// '!' once routed mail at many sites, RFC 5321 §3.6.1 and §2.3.5 history),
// and a domain name of letters, digits, hyphens and dots (UTF-8 allowed
// for SMTPUTF8), not an address literal. go-smtp has already removed a
// source route ("@a,@b:") and the quotes of a quoted local part, so a
// quoted "@" shows here as a second @.
func checkRemote(addr string) error {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") {
		return fmt.Errorf("%w: %q", errBadRemote, addr)
	}
	if strings.ContainsAny(local, "%!:\"\\ ") || !utf8.ValidString(addr) || len(addr) > 254 {
		return fmt.Errorf("%w: %q", errBadRemote, addr)
	}
	labels := strings.Split(strings.TrimSuffix(domain, "."), ".")
	if len(labels) < 2 {
		return fmt.Errorf("%w: %q", errBadRemote, addr)
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return fmt.Errorf("%w: %q", errBadRemote, addr)
		}
		for _, r := range l {
			if !(r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r >= 0x80) {
				return fmt.Errorf("%w: %q", errBadRemote, addr)
			}
		}
	}
	return nil
}

// ownsSender reports whether the authenticated account may use from as
// its reverse-path: the null sender, its own address (with or without a
// +tag), or an alias (catch-all included) that reaches it.
func (ss *session) ownsSender(from string) (bool, error) {
	if from == "" {
		return true, nil
	}
	res, err := ss.srv.opts.Directory.Resolve(from)
	switch {
	case errors.Is(err, directory.ErrNoDomain), errors.Is(err, directory.ErrNotFound), errors.Is(err, directory.ErrInvalid):
		return false, nil
	case err != nil:
		return false, err
	}
	return slices.ContainsFunc(res.Accounts, func(a string) bool { return strings.EqualFold(a, ss.account) }), nil
}
