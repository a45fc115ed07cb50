package directory

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Address rules. These belong in internal/address once it exists; until
// then the directory keeps its own, and they are the ones that decide what
// a directory key is.
//
//   - A domain is stored in its ASCII form: lower-case, without a final
//     dot, internationalised names converted to A-labels (IDNA 2008,
//     UTS #46 lookup mapping), each label 1..63 letters, digits and
//     hyphens, 253 octets at most. Address literals are refused.
//   - A local part is a dot-atom (RFC 5322 §3.2.3) of at most 64 octets
//     that may hold UTF-8 (RFC 6531); quoted local parts are refused. It is
//     kept as given, but every lookup folds it to lower case, as Dovecot,
//     Postfix and most servers do: Bob@ and bob@ are one mailbox.
//   - PlusSeparator splits a tag off a local part: user+tag@ reaches user@.

// PlusSeparator separates a local part from its sub-address tag.
const PlusSeparator = '+'

const (
	maxDomainLen  = 253
	maxLabelLen   = 63
	maxLocalLen   = 64
	maxAddressLen = 254
)

// CanonicalDomain validates a domain name and returns its stored form.
func CanonicalDomain(name string) (string, error) {
	d := strings.TrimSuffix(strings.TrimSpace(name), ".")
	if d == "" {
		return "", fmt.Errorf("%w: empty domain", ErrInvalid)
	}
	if !isASCII(d) || strings.Contains(strings.ToLower(d), "xn--") {
		a, err := idna.Lookup.ToASCII(d)
		if err != nil {
			return "", fmt.Errorf("%w: domain %q: %v", ErrInvalid, name, err)
		}
		d = a
	}
	d = strings.ToLower(d)
	if err := checkLDH(d); err != nil {
		return "", fmt.Errorf("%w: domain %q: %v", ErrInvalid, name, err)
	}
	return d, nil
}

func checkLDH(d string) error {
	if len(d) > maxDomainLen {
		return fmt.Errorf("longer than %d octets", maxDomainLen)
	}
	for label := range strings.SplitSeq(d, ".") {
		switch {
		case label == "":
			return fmt.Errorf("empty label")
		case len(label) > maxLabelLen:
			return fmt.Errorf("label longer than %d octets", maxLabelLen)
		case label[0] == '-' || label[len(label)-1] == '-':
			return fmt.Errorf("label %q starts or ends with a hyphen", label)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Errorf("invalid character %q", c)
			}
		}
	}
	return nil
}

// CanonicalAddress validates an address and returns its stored form: the
// local part as given, the domain canonical.
func CanonicalAddress(addr string) (string, error) {
	local, domain, err := splitAddress(addr)
	if err != nil {
		return "", err
	}
	return local + "@" + domain, nil
}

// splitAddress validates addr and returns its local part (as given) and
// canonical domain.
func splitAddress(addr string) (local, domain string, err error) {
	addr = strings.TrimSpace(addr)
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return "", "", fmt.Errorf("%w: address %q has no @", ErrInvalid, addr)
	}
	local = addr[:at]
	if err := checkLocal(local); err != nil {
		return "", "", fmt.Errorf("%w: address %q: %v", ErrInvalid, addr, err)
	}
	domain, err = CanonicalDomain(addr[at+1:])
	if err != nil {
		return "", "", err
	}
	if len(local)+1+len(domain) > maxAddressLen {
		return "", "", fmt.Errorf("%w: address %q longer than %d octets", ErrInvalid, addr, maxAddressLen)
	}
	return local, domain, nil
}

func checkLocal(local string) error {
	switch {
	case local == "":
		return fmt.Errorf("empty local part")
	case len(local) > maxLocalLen:
		return fmt.Errorf("local part longer than %d octets", maxLocalLen)
	case !utf8.ValidString(local):
		return fmt.Errorf("local part is not UTF-8")
	case local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, ".."):
		return fmt.Errorf("misplaced dot in local part")
	}
	for _, r := range local {
		if r < 0x80 && !isAtext(byte(r)) && r != '.' {
			return fmt.Errorf("invalid character %q in local part", r)
		}
		if r >= 0x80 && (r < 0xa0 || r == utf8.RuneError) {
			return fmt.Errorf("invalid character %q in local part", r)
		}
	}
	return nil
}

// isAtext reports whether c is an RFC 5322 atext character.
func isAtext(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// addrKey is the in-memory key of an address: lower-case local part, @,
// canonical domain. A catch-all's key is "@domain".
func addrKey(local, domain string) string { return strings.ToLower(local) + "@" + domain }

// keyOf returns the key of a canonical address or catch-all.
func keyOf(canonical string) string {
	at := strings.LastIndexByte(canonical, '@')
	return strings.ToLower(canonical[:at]) + canonical[at:]
}

// splitKey splits a key at its last @.
func splitKey(key string) (local, domain string) {
	at := strings.LastIndexByte(key, '@')
	return key[:at], key[at+1:]
}

// dbKey is the bbolt key of an address key: domain, NUL, local part, so
// that a domain's entries are contiguous and sorted.
func dbKey(key string) []byte {
	local, domain := splitKey(key)
	b := make([]byte, 0, len(key))
	b = append(b, domain...)
	b = append(b, 0)
	return append(b, local...)
}

// domainPrefix is the bbolt key prefix of a domain's entries.
func domainPrefix(domain string) []byte {
	return append([]byte(domain), 0)
}

// lookupKey turns an address from the outside (an SMTP recipient, a login
// name) into a key without full validation: lookups of malformed
// addresses simply find nothing. ok is false when addr cannot be an
// address at all.
func lookupKey(addr string) (key string, ok bool) {
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 || len(addr) > 4*maxAddressLen {
		return "", false
	}
	domain := strings.TrimSuffix(addr[at+1:], ".")
	if !isASCII(domain) {
		d, err := CanonicalDomain(domain)
		if err != nil {
			return "", false
		}
		domain = d
	} else {
		domain = strings.ToLower(domain)
	}
	return strings.ToLower(addr[:at]) + "@" + domain, true
}

// lookupDomain is lookupKey for a bare domain name.
func lookupDomain(name string) (string, bool) {
	name = strings.TrimSuffix(name, ".")
	if name == "" {
		return "", false
	}
	if !isASCII(name) {
		d, err := CanonicalDomain(name)
		return d, err == nil
	}
	return strings.ToLower(name), true
}

// stripPlus returns the key without its sub-address tag, or ok false when
// the local part has none.
func stripPlus(key string) (string, bool) {
	local, domain := splitKey(key)
	i := strings.IndexByte(local, PlusSeparator)
	if i <= 0 {
		return "", false
	}
	return local[:i] + "@" + domain, true
}
