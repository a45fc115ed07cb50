package smtpd

import (
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"
)

// trace is what a Received header (RFC 5321 §4.4) records of one message.
// Helo and For come from the client and are made safe by received.
type trace struct {
	Helo string     // the client's EHLO/LHLO argument
	IP   netip.Addr // the client's address; invalid for a unix socket
	By   string     // our host name
	With string     // the protocol, from the WITH registry (RFC 3848, RFC 6531 §3.7.3)
	ID   string     // the transaction's id
	For  string     // the one recipient, or "" for several
	Date time.Time
}

// received returns the Received header field, CRLF-terminated and folded
// so that no line exceeds the client's strings plus a few words.
func (t trace) received() string {
	var b strings.Builder
	b.WriteString("Received: from ")
	b.WriteString(sanitizeToken(t.Helo))
	if t.IP.IsValid() {
		b.WriteString(" (")
		b.WriteString(addressLiteral(t.IP))
		b.WriteString(")")
	}
	b.WriteString("\r\n\tby ")
	b.WriteString(t.By)
	b.WriteString(" with ")
	b.WriteString(t.With)
	b.WriteString(" id ")
	b.WriteString(t.ID)
	if t.For != "" && safeForClause(t.For) {
		b.WriteString("\r\n\tfor <")
		b.WriteString(t.For)
		b.WriteString(">")
	}
	b.WriteString(";\r\n\t")
	b.WriteString(t.Date.Format(time.RFC1123Z))
	b.WriteString("\r\n")
	return b.String()
}

// traceHeaders returns the Return-Path and Received fields put in front
// of a message of this transaction: Return-Path is added on delivery
// (RFC 5321 §4.4), and delivery into the store happens here.
func (ss *session) traceHeaders(id string, now time.Time) string {
	t := trace{Helo: ss.conn.Hostname(), IP: ss.ip, By: ss.srv.opts.Hostname, With: ss.protocol(), ID: id, Date: now}
	if len(ss.rcpts) == 1 {
		// Only one: naming one of several would tell each recipient
		// about the others.
		t.For = ss.rcpts[0].addr
	}
	// Mail has refused control characters in from.
	return "Return-Path: <" + ss.from + ">\r\n" + t.received()
}

// protocol is the WITH keyword for this session: ESMTP or LMTP, with
// UTF8 for an SMTPUTF8 transaction, S under TLS and A after AUTH
// (RFC 3848).
func (ss *session) protocol() string {
	p := "ESMTP"
	if ss.srv.opts.Mode == ModeLMTP {
		p = "LMTP"
	}
	if ss.mail.UTF8 {
		p = "UTF8" + strings.TrimPrefix(p, "E")
	}
	if ss.tls() {
		p += "S"
	}
	if ss.account != "" {
		p += "A"
	}
	return p
}

// addressLiteral formats ip as an RFC 5321 §4.1.3 address literal.
func addressLiteral(ip netip.Addr) string {
	ip = ip.Unmap().WithZone("")
	if ip.Is4() {
		return "[" + ip.String() + "]"
	}
	return "[IPv6:" + ip.String() + "]"
}

// maxToken bounds a client's word in a header.
const maxToken = 255

// safeHeaderToken reports whether s is a non-empty domain name or address
// literal made of the bytes that need no quoting in a Received header.
func safeHeaderToken(s string) bool {
	if s == "" || len(s) > maxToken {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tokenByte(s[i]) {
			return false
		}
	}
	return true
}

func tokenByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.IndexByte(".-_:[]", c) >= 0
}

// sanitizeToken returns s with every byte a header token may not hold
// replaced by '?', cut to maxToken bytes; "unknown" for an empty s.
func sanitizeToken(s string) string {
	if s == "" {
		return "unknown"
	}
	if len(s) > maxToken {
		s = s[:maxToken]
	}
	b := []byte(s)
	for i, c := range b {
		if !tokenByte(c) {
			b[i] = '?'
		}
	}
	return string(b)
}

// safeForClause reports whether addr can stand in "for <addr>" as is:
// valid UTF-8 (SMTPUTF8 addresses), no space, control or character that
// would end the path or the clause early.
func safeForClause(addr string) bool {
	if len(addr) > 2*maxToken || !utf8.ValidString(addr) {
		return false
	}
	for _, r := range addr {
		if r <= ' ' || r == 0x7f || strings.ContainsRune("<>;()\\\"", r) {
			return false
		}
	}
	return true
}
