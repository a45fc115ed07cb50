package main

import (
	"bufio"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/axmail/axmail/internal/control"
	"github.com/axmail/axmail/internal/listener"
	"github.com/axmail/axmail/internal/mailtest"
)

// axctl listener list shows every listener, the open connection on the
// serving one and its rule, as a table and as JSON.
func TestListenerList(t *testing.T) {
	t.Parallel()
	d := startAxd(t, mailtest.Options{Config: `
services:
  smtp: {max_sessions: 50}
listeners:
  smtp:
    listen: "127.0.0.1:0"
    rules:
      - {match: 127.0.0.0/8, action: limit, max_connections_per_ip: 5}
`})
	c, err := net.Dial("tcp", d.Addr(t, "smtp"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if line, err := bufio.NewReader(c).ReadString('\n'); err != nil || !strings.HasPrefix(line, "220 ") {
		t.Fatalf("greeting %q, %v", line, err)
	}

	var ls []control.ListenerInfo
	d.decode(t, &ls, "listener", "list")
	byName := map[string]control.ListenerInfo{}
	for _, l := range ls {
		byName[l.Name] = l
	}
	if len(ls) != 8 {
		t.Errorf("listed %d listeners, want the 8 configured", len(ls))
	}
	s := byName["smtp"]
	if s.State != control.ListenerServing || s.Addr != d.Addr(t, "smtp") || s.Active != 1 || s.ServiceActive != 1 ||
		s.MaxSessions != 50 || len(s.Rules) != 1 || s.Rules[0].Active != 1 || s.Rules[0].ActiveIP != 1 || s.Rules[0].Rule.MaxConnectionsPerIP != 5 {
		t.Errorf("smtp = %+v, want serving with 1 connection under its rule", s)
	}
	if l := byName["imap"]; l.State != control.ListenerDisabled || l.Addr != "" {
		t.Errorf("imap = %+v, want disabled", l)
	}

	out := d.ok(t, "listener", "list")
	for _, want := range []string{"LISTENER", "SERVICE SESSIONS", "serving", d.Addr(t, "smtp"), "1/50", "disabled", "127.0.0.0/8", "max_connections_per_ip=5"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if _, _, code := d.run(t, "", "listener"); code != exitUsage {
		t.Errorf("axctl listener with no subcommand = %d, want %d", code, exitUsage)
	}
}

// With no ban in force, axctl ban list prints an empty table (or []), and
// ban remove refuses: 70 for an address that is not banned, 64 for what
// is not an address.
func TestBanListAndRemove(t *testing.T) {
	t.Parallel()
	d := startAxd(t, mailtest.Options{})
	var bans []listener.Ban
	d.decode(t, &bans, "ban", "list")
	if bans == nil || len(bans) != 0 {
		t.Errorf("ban list --json = %v, want []", bans)
	}
	if out := d.ok(t, "ban", "list"); strings.TrimSpace(out) != "ADDRESS  REASON  SINCE  UNTIL" {
		t.Errorf("ban list = %q, want the header alone", out)
	}
	for _, tc := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"192.0.2.1"}, exitSoftware, "192.0.2.1 is not banned"},
		{[]string{"192.0.2.1", "2001:db8::1"}, exitSoftware, "2001:db8::1 is not banned"},
		{[]string{"not-an-ip"}, exitUsage, "not an IP address"},
		{[]string{}, exitUsage, ""},
	} {
		_, errOut, code := d.run(t, "", append([]string{"ban", "remove"}, tc.args...)...)
		if code != tc.code || !strings.Contains(errOut, tc.err) {
			t.Errorf("ban remove %v = %d, %q; want %d and %q", tc.args, code, errOut, tc.code, tc.err)
		}
	}
	// The API itself: 404 for an address that is not banned, 400 for junk.
	err := d.Client().Unban(context.Background(), "192.0.2.9")
	if !control.IsCode(err, control.CodeNotFound) {
		t.Errorf("Unban of an address not banned = %v, want not_found", err)
	}
	if err := d.Client().Unban(context.Background(), "fe80::1%eth0"); !control.IsCode(err, control.CodeBadRequest) {
		t.Errorf("Unban of a zoned address = %v, want bad_request", err)
	}
}

// A session dropped for bad commands bans its address when
// penalties.ban_after_drops is 1: axctl ban list shows it, every listener
// then refuses the address with 421 4.7.0, and axctl ban remove lifts it.
func TestBanFromDroppedSession(t *testing.T) {
	t.Parallel()
	d := startAxd(t, mailtest.Options{Config: `
penalties: {ban_after_drops: 1}
listeners:
  smtp: {listen: "127.0.0.1:0", max_bad_commands: 2}
`})
	addr := d.Addr(t, "smtp")
	greet := func() (net.Conn, *bufio.Reader, string) {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		rd := bufio.NewReader(c)
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("greeting: %v\n%s", err, d.Log())
		}
		return c, rd, line
	}
	c, rd, line := greet()
	if !strings.HasPrefix(line, "220 ") {
		t.Fatalf("greeting %q", line)
	}
	c.Write([]byte("EHLO bad.example.net\r\nFROB\r\nFROB\r\n"))
	var replies []string
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			break // dropped
		}
		replies = append(replies, strings.TrimSpace(line))
	}
	c.Close()
	if last := replies[len(replies)-1]; !strings.HasPrefix(last, "421 ") {
		t.Fatalf("replies to bad commands = %q, want the session dropped with 421", replies)
	}

	var bans []listener.Ban
	deadline := time.Now().Add(5 * time.Second)
	for {
		d.decode(t, &bans, "ban", "list")
		if len(bans) > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(bans) != 1 || bans[0].IP.String() != "127.0.0.1" || bans[0].Reason != listener.DropBadCommands || !bans[0].Until.After(bans[0].Since) {
		t.Fatalf("bans = %+v, want 127.0.0.1 for bad commands\n%s", bans, d.Log())
	}
	if out := d.ok(t, "ban", "list"); !strings.Contains(out, "127.0.0.1") || !strings.Contains(out, listener.DropBadCommands) {
		t.Errorf("ban list table:\n%s", out)
	}
	c, _, line = greet()
	c.Close()
	if !strings.HasPrefix(line, "421 4.7.0 ") {
		t.Fatalf("banned address greeted with %q, want 421 4.7.0", line)
	}
	// One banned, one not: the ban is lifted, the other named, exit 2.
	if _, errOut, code := d.run(t, "", "ban", "remove", "127.0.0.1", "192.0.2.1"); code != exitPartial || !strings.Contains(errOut, "192.0.2.1 is not banned") {
		t.Errorf("ban remove of a banned and a free address = %d, %q; want %d naming 192.0.2.1", code, errOut, exitPartial)
	}
	d.decode(t, &bans, "ban", "list")
	if len(bans) != 0 {
		t.Errorf("bans after remove = %+v", bans)
	}
	c, _, line = greet()
	c.Close()
	if !strings.HasPrefix(line, "220 ") {
		t.Fatalf("after ban remove greeted with %q, want 220", line)
	}
	var ls []control.ListenerInfo
	d.decode(t, &ls, "listener", "list")
	for _, l := range ls {
		if l.Name == "smtp" && (l.Dropped != 1 || l.Refused["banned"] != 1) {
			t.Errorf("smtp = %+v, want 1 dropped and 1 refused as banned", l)
		}
	}
}
