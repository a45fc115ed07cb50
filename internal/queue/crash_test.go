package queue

import (
	"bytes"
	"math/rand/v2"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestKill9 kills a process that enqueues and removes messages with
// SIGKILL at random moments, some while it is still opening the queue,
// and checks after each kill that every acknowledged message is there and
// intact, every acknowledged removal stuck, no file is corrupt and no temp
// file outlives Open.
func TestKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 test: skipped with -short")
	}
	t.Parallel()
	dir := t.TempDir()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 9))
	live := make(map[string]uint64) // acknowledged and not removed: id -> seed
	const runs = 20
	var acked int
	for run := 1; run <= runs; run++ {
		afterReady := run%4 != 0 // one run in four may die during Open
		delay := time.Duration(rng.IntN(80)) * time.Millisecond
		events := runHelper(t, helperConfig{Dir: dir, Run: run, Workers: 3}, delay, afterReady)
		maybeGone := make(map[string]bool) // removals asked for, not acknowledged
		for _, ev := range events {
			switch ev.Ev {
			case evAdd:
				live[ev.ID] = ev.Seed
				acked++
			case evRemoving:
				maybeGone[ev.ID] = true
			case evRemoved:
				delete(live, ev.ID)
				delete(maybeGone, ev.ID)
			}
		}
		q := openQueue(t, dir, nil)
		for id, s := range live {
			m, err := q.Get(id)
			if err != nil {
				if maybeGone[id] {
					delete(live, id)
					continue
				}
				t.Fatalf("run %d (kill %v after %s): acknowledged %s lost: %v", run, delay, map[bool]string{true: "ready", false: "start"}[afterReady], id, err)
			}
			if m.Envelope.EnvID != strconv.FormatUint(s, 10) {
				t.Fatalf("run %d: %s holds seed %s, want %d", run, id, m.Envelope.EnvID, s)
			}
		}
		// Every message present, acknowledged or not, is intact.
		for _, m := range q.List() {
			s, err := strconv.ParseUint(m.Envelope.EnvID, 10, 64)
			if err != nil {
				t.Fatalf("run %d: %s has ENVID %q", run, m.ID, m.Envelope.EnvID)
			}
			env, body := crashMessage(s)
			got, err := readBody(q, m.ID)
			if err != nil || !bytes.Equal(got, body) || !reflect.DeepEqual(m.Envelope, env) {
				t.Fatalf("run %d: %s (seed %d) differs from what was enqueued (%v)", run, m.ID, s, err)
			}
			if _, ok := live[m.ID]; !ok {
				live[m.ID] = s // enqueued, its acknowledgement lost in the kill
			}
		}
		if q.Len() != len(live) {
			t.Fatalf("run %d: Len %d, want %d", run, q.Len(), len(live))
		}
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), tmpSuffix) || e.Name() == corruptName {
				t.Fatalf("run %d: %s after Open", run, e.Name())
			}
		}
		// Keep the queue small: remove about half of it between runs.
		for id := range live {
			if rng.IntN(2) == 0 {
				if err := q.Remove(id); err != nil {
					t.Fatal(err)
				}
				delete(live, id)
			}
		}
		if err := q.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if acked == 0 {
		t.Fatalf("no acknowledged enqueue in %d runs: the kills came too early to test anything", runs)
	}
	t.Logf("%d runs, %d acknowledged enqueues, %d left", runs, acked, len(live))
}
