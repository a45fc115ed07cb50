package main

import (
	"context"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/axmail/axmail/internal/control"
	"github.com/axmail/axmail/internal/daemon"
	"github.com/axmail/axmail/internal/mailtest"
	"github.com/axmail/axmail/internal/queue"
)

// openQueueOffline opens a data dir's queue while no axd runs.
func openQueueOffline(t *testing.T, dir string) *queue.Queue {
	t.Helper()
	q, err := queue.Open(queue.Options{Dir: filepath.Join(dir, daemon.QueueDir)})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// No SMTP listener feeds the queue yet, so the messages are enqueued
// offline before axd starts, and the queue is read offline after it stops.
func TestQueue(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	q := openQueueOffline(t, dir)
	envs := []queue.Envelope{
		{From: "alice@example.org", Recipients: []queue.Recipient{{Address: "bob@remote.example"}},
			Account: "alice@example.org", ClientIP: "127.0.0.1"},
		{From: "", Recipients: []queue.Recipient{{Address: "x@remote.example", Notify: []string{"NEVER"}}}, Ret: "HDRS", EnvID: "bounce-1"},
		{From: "carol@example.org", Recipients: []queue.Recipient{
			{Address: "d@one.example", Notify: []string{"FAILURE", "DELAY"}, ORcpt: "rfc822;d@one.example"},
			{Address: "e@two.example"},
		}, Ret: "FULL", EnvID: "env-3", Account: "carol@example.org", ClientIP: "::1"},
	}
	var ids []string
	var want []control.QueueMessage
	for i, env := range envs {
		m, err := q.Enqueue(context.Background(), env, mailFor("remote@example", i))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, m.ID)
		want = append(want, control.QueueMessageOf(m))
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	d := startAxd(t, mailtest.Options{DataDir: dir})

	var list []control.QueueMessage
	d.decode(t, &list, "queue", "list")
	if !queueEqual(list, want) {
		t.Fatalf("queue list --json =\n%+v\nwant\n%+v", list, want)
	}
	rows := tableRows(d.ok(t, "queue", "list"))
	if len(rows) != 4 || !slices.Equal(rows[0], []string{"ID", "FROM", "RECIPIENTS", "SIZE", "AGE", "ATTEMPTS", "LAST", "ERROR"}) {
		t.Fatalf("queue list table = %q", rows)
	}
	for i, row := range rows[1:] {
		rcpts := make([]string, len(envs[i].Recipients))
		for j, r := range envs[i].Recipients {
			rcpts[j] = r.Address
		}
		wantRow := []string{ids[i], reversePath(envs[i].From), strings.Join(rcpts, ","), "", "", "0", "-"}
		wantRow[3] = humanSize(want[i].Size)
		if len(row) != 7 || row[0] != wantRow[0] || row[1] != wantRow[1] || row[2] != wantRow[2] || row[3] != wantRow[3] || row[5] != "0" || row[6] != "-" {
			t.Errorf("queue list row %d = %q, want %q (age aside)", i, row, wantRow)
		}
	}

	var one control.QueueMessage
	d.decode(t, &one, "queue", "show", ids[2])
	if !queueEqual([]control.QueueMessage{one}, want[2:]) {
		t.Errorf("queue show --json = %+v, want %+v", one, want[2])
	}
	out := d.ok(t, "queue", "show", ids[2])
	for name, value := range map[string]string{"id": ids[2], "from": "carol@example.org", "client": "::1", "ret": "FULL", "envid": "env-3", "attempts": "0", "last error": "-"} {
		if got := showField(out, name); got != value {
			t.Errorf("queue show: %s = %q, want %q\n%s", name, got, value, out)
		}
	}
	if !strings.Contains(out, "d@one.example  notify=FAILURE,DELAY orcpt=rfc822;d@one.example\n  e@two.example\n") {
		t.Errorf("queue show: DSN parameters missing:\n%s", out)
	}
	if got := showField(d.ok(t, "queue", "show", ids[1]), "from"); got != "<>" {
		t.Errorf("queue show of a bounce: from %q, want <>", got)
	}

	missing := strings.Repeat("0", 24)
	d.refuse(t, 70, "message not found", "queue", "show", missing)
	d.refuse(t, 70, "message not found", "queue", "show", "../../etc/passwd")
	d.refuse(t, 64, "accepts 1 arg", "queue", "show")
	d.refuse(t, 64, "needs a subcommand", "queue")
	d.refuse(t, 64, "requires at least 1 arg", "queue", "remove")

	d.quiet(t, "queue", "remove", ids[0])
	d.refuse(t, 70, "message not found", "queue", "remove", ids[0])
	// Some removed, some not: every failure named, exit 2.
	out, errOut, code := d.run(t, "", "queue", "remove", missing, ids[1], "nonsense")
	if code != 2 || out != "" || !strings.Contains(errOut, missing) || !strings.Contains(errOut, "nonsense") || !strings.Contains(errOut, "removed 1 of 3") {
		t.Errorf("queue remove with two bad IDs = %d, %q, %q; want 2 naming both", code, out, errOut)
	}
	d.refuse(t, 70, "removed 0 of 2", "queue", "remove", missing, ids[1])
	d.decode(t, &list, "queue", "list")
	if len(list) != 1 || list[0].ID != ids[2] {
		t.Errorf("queue list after removals = %+v, want only %s", list, ids[2])
	}

	// Removals are on disk: the queue read offline agrees.
	d.Stop(t)
	q = openQueueOffline(t, dir)
	defer q.Close()
	if got := q.List(); len(got) != 1 || got[0].ID != ids[2] {
		t.Errorf("queue after axd stopped = %+v, want only %s", got, ids[2])
	}
	if log := d.Log(); !strings.Contains(log, "queued message removed by the administrator") || strings.Contains(log, "corrupt") {
		t.Errorf("axd log:\n%s", log)
	}
}

func TestQueueEmptyAndUnreachable(t *testing.T) {
	t.Parallel()
	d := startAxd(t, mailtest.Options{})
	out := d.ok(t, "queue", "list", "--json")
	if strings.TrimSpace(out) != "[]" {
		t.Errorf("queue list --json of an empty queue = %q, want []", out)
	}
	if rows := tableRows(d.ok(t, "queue", "list")); len(rows) != 1 {
		t.Errorf("queue list of an empty queue = %q, want the header alone", rows)
	}
	for _, args := range [][]string{{"queue", "list"}, {"queue", "show", "x"}, {"queue", "remove", "x", "y"}} {
		_, _, code := mailtest.Run(t, "", "axctl", append([]string{"--socket", deadSocket(t)}, args...)...)
		if code != 69 {
			t.Errorf("axctl %v without axd = %d, want 69", args, code)
		}
	}
}

// queueEqual compares API messages, times by instant.
func queueEqual(a, b []control.QueueMessage) bool {
	return slices.EqualFunc(a, b, func(x, y control.QueueMessage) bool {
		if !x.Created.Equal(y.Created) || (x.NextAttempt == nil) != (y.NextAttempt == nil) ||
			(x.NextAttempt != nil && !x.NextAttempt.Equal(*y.NextAttempt)) {
			return false
		}
		x.Created, y.Created, x.NextAttempt, y.NextAttempt = time.Time{}, time.Time{}, nil, nil
		return reflect.DeepEqual(x, y)
	})
}

func TestHumanSize(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		n    int64
		want string
	}{{0, "0"}, {1023, "1023"}, {1024, "1.0K"}, {1536, "1.5K"}, {25 << 20, "25.0M"}, {3 << 30, "3.0G"}, {5 << 40, "5.0T"}} {
		if got := humanSize(c.n); got != c.want {
			t.Errorf("humanSize(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}

func TestAge(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{-time.Second, "0s"}, {45 * time.Second, "45s"}, {12*time.Minute + 30*time.Second, "12m30s"},
		{3*time.Hour + 5*time.Minute, "3h5m"}, {52 * time.Hour, "2d4h"},
	} {
		if got := age(c.d); got != c.want {
			t.Errorf("age(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}
