package store

// The kill -9 tests of DESIGN.md ("Crash tests"): a helper process
// (crashhelper_test.go) loads a store and is killed with SIGKILL at a
// random moment; the parent then opens the store and proves that every
// acknowledged message is there with its UID and its exact bytes, that no
// acknowledged removal was undone, and that Check finds nothing. The runs
// of a test share one data dir, so each starts from what the last kill
// left. At the end the index is rebuilt from the containers alone and must
// restore exactly the live messages.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// crashBudget bounds each crash test: past it the test fails rather than
// slow the suite down unnoticed.
const crashBudget = 90 * time.Second

// crashRuns is the number of kill cycles per test: 50 in CI, 5 with -short.
func crashRuns() int {
	switch {
	case testing.Short():
		return 5
	case os.Getenv("CI") == "true":
		return 50
	default:
		return 20
	}
}

// crashSeed returns the seed of a test's random choices (kill delays,
// targets, removals), from AXMAIL_CRASH_SEED when set. Timing still varies
// from one run to the next, so a seed repeats the choices, not the exact
// interleaving.
func crashSeed(t *testing.T) uint64 {
	t.Helper()
	if v := os.Getenv("AXMAIL_CRASH_SEED"); v != "" {
		seed, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("AXMAIL_CRASH_SEED=%q: %v", v, err)
		}
		t.Logf("seed %d from AXMAIL_CRASH_SEED", seed)
		return seed
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d (AXMAIL_CRASH_SEED=%d repeats its choices)", seed, seed)
	return seed
}

func randDuration(rng *rand.Rand, lo, hi time.Duration) time.Duration {
	return lo + time.Duration(rng.Int64N(int64(hi-lo)+1))
}

func checkBudget(t *testing.T, start time.Time, run int) {
	t.Helper()
	if el := time.Since(start); el > crashBudget {
		t.Fatalf("%d runs took %v, over the %v budget", run, el.Round(time.Millisecond), crashBudget)
	}
}

// TestCrashDuringAppends kills a process that appends from 16 goroutines,
// delivers to several mailboxes at once and removes messages, while
// containers fill and roll over.
func TestCrashDuringAppends(t *testing.T) {
	t.Parallel()
	const containerSize = 256 << 10
	rng := rand.New(rand.NewPCG(crashSeed(t), 1))
	dir := t.TempDir()
	m := newStoreModel()
	start := time.Now()
	runs := crashRuns()
	for run := 1; run <= runs; run++ {
		cfg := helperConfig{Mode: modeLoad, DataDir: dir, ContainerSize: containerSize, Run: run, Seed: rng.Uint64(), Workers: 16}
		k := killPlan{after: evReady, delay: randDuration(rng, 20*time.Millisecond, 300*time.Millisecond)}
		if rng.IntN(8) == 0 {
			k.after = "" // counted from the start, so that some kills land in Open's recovery
		}
		var acks, removals int
		startHelper(t, cfg).killAfter(t, k, func(ev crashEvent) {
			switch ev.Ev {
			case evAdd:
				acks++
			case evRemoved:
				removals++
			}
			m.apply(t, ev)
		})
		r, st := verifyAfterKill(t, dir, containerSize, m, run)
		containers := r.containerCount()
		if run%10 == 0 {
			// Reclaim the garbage of the removals now and then, so that the
			// store, read in full after every kill, stays small.
			if _, err := r.Compact(context.Background(), CompactOptions{}); err != nil {
				t.Fatalf("run %d: Compact: %v", run, err)
			}
		}
		r.close()
		t.Logf("run %d: killed %s; %d appends and %d removals acknowledged; open: %s; %s; %d containers",
			run, k, acks, removals, r.recovery, st, containers)
		if t.Failed() {
			t.FailNow()
		}
		checkBudget(t, start, run)
	}
	m.verifyRebuild(t, dir, containerSize)
	t.Logf("%d runs in %v", runs, time.Since(start).Round(time.Millisecond))
}

// TestCrashDuringCompaction kills a process while it compacts containers
// that are about half garbage, alone or, one run in four, while appends and
// removals go on (online compaction). Kill delays spread over a whole
// pass, whose length earlier kills tell.
func TestCrashDuringCompaction(t *testing.T) {
	t.Parallel()
	const (
		containerSize = 64 << 10
		liveTarget    = 1 << 20 // live bytes before each thinning
	)
	rng := rand.New(rand.NewPCG(crashSeed(t), 2))
	dir := t.TempDir()
	m := newStoreModel()
	start := time.Now()
	runs := crashRuns()

	r := reopen(t, dir, containerSize)
	makeGarbage(t, r.Store, m, rng, 0, liveTarget)
	r.close()
	// passTime estimates a whole pass per mode, so that kill delays spread
	// over all of it and a few land after it.
	passTime := map[string]time.Duration{modeCompact: 80 * time.Millisecond, modeCompactOnline: 80 * time.Millisecond}
	interrupted, afterRecycling := 0, 0
	for run := 1; run <= runs; run++ {
		cfg := helperConfig{Mode: modeCompact, DataDir: dir, ContainerSize: containerSize, Run: run, Seed: rng.Uint64()}
		if run%4 == 0 {
			cfg.Mode, cfg.Workers = modeCompactOnline, 4
		}
		k := killPlan{after: evCompactStart, delay: randDuration(rng, 0, passTime[cfg.Mode]*6/5)}
		if run%2 == 1 && afterRecycling < 2 {
			// Passes this small recycle a source now and then, and kills
			// spread over them rarely land after one: until two have, every
			// other pass is killed as its first recycling is reported.
			k = killPlan{after: evRecycled, orDone: true, delay: randDuration(rng, 0, 3*time.Millisecond)}
		}
		pk := killDuringCompaction(t, cfg, k, m)
		if d := pk.passEstimate(k.delay); d > 0 && (k.after == evCompactStart || pk.finished != nil) {
			if pk.finished == nil {
				d = (passTime[cfg.Mode] + d) / 2 // an estimate: moved halfway to
			}
			passTime[cfg.Mode] = min(max(d, 20*time.Millisecond), 2*time.Second)
		}
		if pk.finished == nil {
			interrupted++
			if pk.recycled {
				afterRecycling++
			}
		}
		r, st := verifyAfterKill(t, dir, containerSize, m, run)
		containers := r.containerCount()
		if run < runs {
			makeGarbage(t, r.Store, m, rng, run, liveTarget)
		}
		r.close()
		t.Logf("run %d (%s): killed %s, %s; open: %s; %s; %d containers", run, cfg.Mode, k, pk, r.recovery, st, containers)
		if t.Failed() {
			t.FailNow()
		}
		checkBudget(t, start, run)
	}
	if interrupted < runs/3 {
		t.Errorf("only %d of %d kills interrupted a compaction pass: the passes are too quick to test", interrupted, runs)
	}
	// Recycled sources (outputs overwriting them, their moves) must meet
	// kills too; a handful of runs (-short) may not get there.
	if runs >= 20 && afterRecycling == 0 {
		t.Errorf("no kill landed after a source was recycled, in %d runs", runs)
	}
	m.verifyRebuild(t, dir, containerSize)
	t.Logf("%d runs (%d interrupted a pass, %d of them after a recycling) in %v", runs, interrupted, afterRecycling, time.Since(start).Round(time.Millisecond))
}

// passKill is where a kill landed in a compaction pass.
type passKill struct {
	progress *crashEvent // the last group done, if any
	finished *crashEvent // the end of the pass, if it came
	recycled bool        // a source was recycled before it
	online   bool
	acks     int
	removals int
}

// killDuringCompaction runs a compaction helper and kills it as k says.
func killDuringCompaction(t *testing.T, cfg helperConfig, k killPlan, m *storeModel) passKill {
	t.Helper()
	pk := passKill{online: cfg.Mode == modeCompactOnline}
	startHelper(t, cfg).killAfter(t, k, func(ev crashEvent) {
		switch {
		case ev.Ev == evCompactProgress && pk.finished == nil:
			pk.progress = &ev
		case ev.Ev == evCompactDone && pk.finished == nil:
			pk.finished = &ev
		case ev.Ev == evRecycled && pk.finished == nil:
			pk.recycled = true
		case ev.Ev == evAdd:
			pk.acks++
		case ev.Ev == evRemoved:
			pk.removals++
		}
		m.apply(t, ev)
	})
	return pk
}

// passEstimate is how long a whole pass takes, as far as this kill tells
// (0 when it does not): the pass's own time, or the delay scaled by the
// share of the sources done, an overestimate since progress comes per
// group.
func (pk passKill) passEstimate(delay time.Duration) time.Duration {
	switch {
	case pk.finished != nil:
		return time.Duration(pk.finished.Millis) * time.Millisecond
	case pk.progress != nil:
		return delay * time.Duration(pk.progress.Total) / time.Duration(max(pk.progress.Done, 1))
	}
	return 0
}

func (pk passKill) String() string {
	var s string
	switch {
	case pk.finished != nil:
		s = fmt.Sprintf("after the pass (%d of %d containers in %d ms)", pk.finished.Done, pk.finished.Total, pk.finished.Millis)
	case pk.progress != nil:
		s = fmt.Sprintf("mid-pass at %d of %d source bytes", pk.progress.Done, pk.progress.Total)
	default:
		s = "mid-pass before the first group was done"
	}
	if pk.online {
		s += fmt.Sprintf(", %d appends and %d removals acknowledged", pk.acks, pk.removals)
	}
	return s
}

// verifyAfterKill reopens the store after the kill of run and checks it
// against the model and with Check. The caller closes it.
func verifyAfterKill(t *testing.T, dir string, containerSize int64, m *storeModel, run int) (*reopened, reconcileStats) {
	t.Helper()
	r := reopen(t, dir, containerSize)
	st := m.reconcile(t, r.Store, run)
	checkClean(t, r.Store, fmt.Sprintf("run %d", run))
	return r, st
}

// reopened is an open store and the data-dir lock that goes with it.
type reopened struct {
	*Store
	lock     *DirLock
	recovery string // what Open did to recover, for the run's log line
}

// reopen opens the store that a killed helper left, holding the data-dir
// lock as axd would, and checks that Open finished the recovery: no
// compaction intent is left and every container is cut back to its
// committed length.
func reopen(t *testing.T, dir string, containerSize int64) *reopened {
	t.Helper()
	lock, err := lockDataDir(dir, "crash test")
	if err != nil {
		t.Fatalf("lock after the kill: %v", err) // the kill releases the helper's flock
	}
	before := containerFiles(t, dir)
	logs := &syncBuffer{}
	s, err := Open(crashOptions(dir, containerSize, logs))
	if err != nil {
		lock.Unlock()
		t.Fatalf("Open after the kill: %v", err)
	}
	r := &reopened{Store: s, lock: lock}
	t.Cleanup(func() { r.close() })
	if out := logs.String(); strings.Contains(out, "level=ERROR") {
		t.Errorf("Open logged errors:\n%s", out)
	}
	r.recovery = describeRecovery(before, containerFiles(t, dir))
	r.assertRecovered(t)
	return r
}

// containerFiles maps every file under the containers directory to its
// size.
func containerFiles(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	files := make(map[string]int64)
	err := filepath.WalkDir(filepath.Join(dir, "containers"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		files[path] = info.Size()
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return files
}

// describeRecovery says what Open changed in the containers directory.
func describeRecovery(before, after map[string]int64) string {
	var cut, removed, other int
	for path, size := range before {
		now, ok := after[path]
		switch {
		case !ok:
			removed++
		case now < size:
			cut++
		case now != size:
			other++
		}
	}
	for path := range after {
		if _, ok := before[path]; !ok {
			other++
		}
	}
	return fmt.Sprintf("%d tails cut, %d files removed, %d other changes", cut, removed, other)
}

func (r *reopened) close() {
	r.Store.Close()
	r.lock.Unlock()
}

func (r *reopened) containerCount() int {
	r.filesMu.Lock()
	defer r.filesMu.Unlock()
	return len(r.files)
}

func (r *reopened) assertRecovered(t *testing.T) {
	t.Helper()
	err := r.db.View(func(tx *bolt.Tx) error {
		if k, v := tx.Bucket(bucketCompactions).Cursor().First(); k != nil {
			t.Errorf("compaction intent %x: %x left after Open", k, v)
		}
		return tx.Bucket(bucketContainers).ForEach(func(k, v []byte) error {
			cv, err := decodeContainer(v)
			if err != nil {
				return err
			}
			path, ok := r.containerPath(getU64(k))
			if !ok {
				t.Errorf("container %016x is in the index but has no file", getU64(k))
				return nil
			}
			st, err := os.Stat(path)
			if err != nil {
				return err
			}
			if st.Size() != cv.Size {
				t.Errorf("container %s is %d bytes after Open, committed %d", path, st.Size(), cv.Size)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatalf("read index: %v", err)
	}
}

// syncBuffer is a bytes.Buffer for a logger that background goroutines
// may use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func checkClean(t *testing.T, s *Store, when string) {
	t.Helper()
	res, err := s.Check(context.Background(), CheckOptions{})
	if err != nil {
		t.Fatalf("%s: Check: %v", when, err)
	}
	for _, p := range res.Problems {
		t.Errorf("%s: check: %s", when, p)
	}
}

// mailboxKey names a mailbox.
type mailboxKey struct{ account, mailbox string }

func (k mailboxKey) String() string { return k.account + " " + k.mailbox }

// placementKey names a message in a mailbox.
type placementKey struct {
	mailboxKey
	uid uint32
}

// modelMessage is a message body the store acknowledged, with the digest
// of its bytes computed once.
type modelMessage struct {
	guid GUID
	seed uint64
	size int
	sum  [sha256.Size]byte
}

// storeModel is what the store must hold: every acknowledged placement
// whose removal was not acknowledged. Where a kill leaves an outcome open
// (an append or a removal in flight), reconcile settles it from the store.
type storeModel struct {
	messages    map[GUID]*modelMessage
	live        map[placementKey]*modelMessage
	removing    map[placementKey]bool // announced, outcome unknown
	removed     map[placementKey]bool // acknowledged: must never come back
	delivered   map[GUID]map[mailboxKey]bool
	uidValidity map[mailboxKey]uint32
}

func newStoreModel() *storeModel {
	return &storeModel{
		messages:    make(map[GUID]*modelMessage),
		live:        make(map[placementKey]*modelMessage),
		removing:    make(map[placementKey]bool),
		removed:     make(map[placementKey]bool),
		delivered:   make(map[GUID]map[mailboxKey]bool),
		uidValidity: make(map[mailboxKey]uint32),
	}
}

// message returns the model of a body, regenerating it from its seed the
// first time.
func (m *storeModel) message(t *testing.T, g GUID, seed uint64) *modelMessage {
	t.Helper()
	if msg := m.messages[g]; msg != nil {
		if msg.seed != seed {
			t.Errorf("message %s has seed %d, earlier %d", g, seed, msg.seed)
		}
		return msg
	}
	body := crashMessage(seed)
	msg := &modelMessage{guid: g, seed: seed, size: len(body), sum: sha256.Sum256(body)}
	m.messages[g] = msg
	return msg
}

// place records a placement; a UID can be given out only once.
func (m *storeModel) place(t *testing.T, key placementKey, msg *modelMessage) {
	t.Helper()
	if prev := m.live[key]; prev != nil || m.removed[key] {
		t.Errorf("%s uid %d given to message %s after an earlier message: a UID was reused", key.mailboxKey, key.uid, msg.guid)
	}
	m.live[key] = msg
	if m.delivered[msg.guid] == nil {
		m.delivered[msg.guid] = make(map[mailboxKey]bool)
	}
	m.delivered[msg.guid][key.mailboxKey] = true
}

func (m *storeModel) noteUIDValidity(t *testing.T, mk mailboxKey, uv uint32) {
	t.Helper()
	if old, ok := m.uidValidity[mk]; ok && old != uv {
		t.Errorf("UIDVALIDITY of %s changed from %d to %d", mk, old, uv)
	}
	m.uidValidity[mk] = uv
}

// apply records one event of a helper (or of the parent's own changes).
func (m *storeModel) apply(t *testing.T, ev crashEvent) {
	t.Helper()
	switch ev.Ev {
	case evAdd:
		g, err := ParseGUID(ev.GUID)
		if err != nil {
			t.Errorf("acknowledgement of seed %d: %v", ev.Seed, err)
			return
		}
		msg := m.message(t, g, ev.Seed)
		for _, to := range ev.To {
			mk := mailboxKey{to.Account, to.Mailbox}
			m.noteUIDValidity(t, mk, to.UIDValidity)
			m.place(t, placementKey{mk, to.UID}, msg)
		}
	case evRemoving:
		for _, uid := range ev.UIDs {
			m.removing[placementKey{mailboxKey{ev.Account, ev.Mailbox}, uid}] = true
		}
	case evRemoved:
		for _, uid := range ev.UIDs {
			key := placementKey{mailboxKey{ev.Account, ev.Mailbox}, uid}
			if m.live[key] == nil {
				t.Errorf("removal of %s uid %d, which is not live", key.mailboxKey, uid)
			}
			delete(m.live, key)
			delete(m.removing, key)
			m.removed[key] = true
		}
	}
}

// sortedLive lists the live placements in a stable order, so that a seed
// repeats the choices made from them.
func (m *storeModel) sortedLive() []placementKey {
	keys := make([]placementKey, 0, len(m.live))
	for k := range m.live {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b placementKey) int {
		if c := strings.Compare(a.account, b.account); c != 0 {
			return c
		}
		if c := strings.Compare(a.mailbox, b.mailbox); c != 0 {
			return c
		}
		return int(a.uid) - int(b.uid)
	})
	return keys
}

// liveMessages maps every live body to the mailboxes it is live in.
func (m *storeModel) liveMessages() map[GUID]map[mailboxKey]bool {
	out := make(map[GUID]map[mailboxKey]bool)
	for key, msg := range m.live {
		if out[msg.guid] == nil {
			out[msg.guid] = make(map[mailboxKey]bool)
		}
		out[msg.guid][key.mailboxKey] = true
	}
	return out
}

func (m *storeModel) liveBytes() int64 {
	var n int64
	for g := range m.liveMessages() {
		n += int64(m.messages[g].size)
	}
	return n
}

// reconcileStats says what reconcile verified and settled.
type reconcileStats struct {
	placements, bodies int
	adopted            int // appends committed without their acknowledgement
	removedUnreported  int // announced removals that committed
	notRemoved         int // announced removals that did not
}

func (s reconcileStats) String() string {
	return fmt.Sprintf("%d placements (%d bodies) verified, %d unacknowledged appends committed, announced removals %d done / %d not",
		s.placements, s.bodies, s.adopted, s.removedUnreported, s.notRemoved)
}

// reconcile compares the store with the model, every message of every
// mailbox and every body byte for byte, then settles what the kill left
// open: an unacknowledged append may have committed (it must then be
// intact and from the run just killed) and an announced removal may or may
// not have.
func (m *storeModel) reconcile(t *testing.T, s *Store, run int) reconcileStats {
	t.Helper()
	var st reconcileStats
	var problems problemList
	seen := make(map[placementKey]bool)
	verified := make(map[GUID]bool)
	for _, mb := range allMailboxes(t, s) {
		mk := mailboxKey{mb.Account, mb.Name}
		m.noteUIDValidity(t, mk, mb.UIDValidity)
		for _, info := range mailboxMessages(t, s, mb.ID) {
			key := placementKey{mk, info.UID}
			seen[key] = true
			msg := m.live[key]
			switch {
			case msg != nil && msg.guid != info.GUID:
				problems.add("%s uid %d holds message %s, acknowledged was %s (seed %d)", mk, info.UID, info.GUID, msg.guid, msg.seed)
				continue
			case msg == nil && m.removed[key]:
				problems.add("%s uid %d (message %s) is back after its removal was acknowledged", mk, info.UID, info.GUID)
				continue
			case msg == nil:
				if msg = m.adopt(s, info, run, &problems); msg == nil {
					continue
				}
				m.place(t, key, msg)
				st.adopted++
			}
			if m.removing[key] {
				delete(m.removing, key)
				st.notRemoved++
			}
			st.placements++
			if info.Size != int64(msg.size) {
				problems.add("%s uid %d: size %d, delivered %d", mk, info.UID, info.Size, msg.size)
			}
			if !verified[info.GUID] {
				verified[info.GUID] = true
				st.bodies++
				verifyBody(s, msg, &problems)
			}
		}
	}
	for key, msg := range m.live {
		switch {
		case seen[key]:
		case m.removing[key]:
			delete(m.live, key)
			delete(m.removing, key)
			m.removed[key] = true
			st.removedUnreported++
		default:
			problems.add("acknowledged message %s (seed %d) is missing from %s uid %d", msg.guid, msg.seed, key.mailboxKey, key.uid)
		}
	}
	clear(m.removing)
	problems.report(t, fmt.Sprintf("run %d", run))
	return st
}

// adopt accepts a message the model does not know, as an append in flight
// at the kill: it must come from the run just killed and be intact.
func (m *storeModel) adopt(s *Store, info MessageInfo, run int, problems *problemList) *modelMessage {
	body, err := readBody(s, info.GUID)
	if err != nil {
		problems.add("unacknowledged message %s: %v", info.GUID, err)
		return nil
	}
	seed, ok := seedOf(body)
	if !ok || seedRun(seed) != run || seedWorker(seed) >= parentWorkerBase {
		problems.add("message %s (seed %d, found %v) was never delivered by the helper of run %d", info.GUID, seed, ok, run)
		return nil
	}
	if msg := m.messages[info.GUID]; msg != nil {
		return msg
	}
	want := crashMessage(seed)
	msg := &modelMessage{guid: info.GUID, seed: seed, size: len(want), sum: sha256.Sum256(want)}
	m.messages[info.GUID] = msg
	return msg
}

func verifyBody(s *Store, msg *modelMessage, problems *problemList) {
	body, err := readBody(s, msg.guid)
	switch {
	case err != nil:
		problems.add("message %s (seed %d): %v", msg.guid, msg.seed, err)
	case len(body) != msg.size || sha256.Sum256(body) != msg.sum:
		problems.add("message %s (seed %d): %d bytes that differ from the %d delivered", msg.guid, msg.seed, len(body), msg.size)
	}
}

// verifyRebuild replaces the index with one rebuilt from the containers
// alone and checks that it holds exactly the live messages, intact, each
// in every mailbox it is live in and in none it was not delivered to.
func (m *storeModel) verifyRebuild(t *testing.T, dir string, containerSize int64) {
	t.Helper()
	res, err := RebuildIndex(context.Background(), crashOptions(dir, containerSize, nil), nil)
	if err != nil {
		t.Fatalf("RebuildIndex: %v", err)
	}
	for _, p := range res.Problems {
		t.Errorf("rebuild: %s", p)
	}
	r := reopen(t, dir, containerSize)
	defer r.close()
	checkClean(t, r.Store, "after the rebuild")
	var problems problemList
	found := make(map[GUID]map[mailboxKey]bool)
	for _, mb := range allMailboxes(t, r.Store) {
		for _, info := range mailboxMessages(t, r.Store, mb.ID) {
			if found[info.GUID] == nil {
				found[info.GUID] = make(map[mailboxKey]bool)
				if msg := m.messages[info.GUID]; msg != nil {
					verifyBody(r.Store, msg, &problems)
				}
			}
			found[info.GUID][mailboxKey{mb.Account, mb.Name}] = true
		}
	}
	live := m.liveMessages()
	for g, mks := range live {
		for mk := range mks {
			if !found[g][mk] {
				problems.add("live message %s (seed %d) not restored to %s", g, m.messages[g].seed, mk)
			}
		}
	}
	for g, mks := range found {
		msg := m.messages[g]
		switch {
		case msg == nil:
			problems.add("rebuild restored message %s, which was never delivered", g)
		case live[g] == nil:
			problems.add("rebuild restored message %s (seed %d), whose every placement was removed", g, msg.seed)
		}
		for mk := range mks {
			if !m.delivered[g][mk] {
				problems.add("rebuild put message %s into %s, where it was not delivered", g, mk)
			}
		}
	}
	if res.Messages != int64(len(live)) {
		problems.add("rebuild restored %d messages, %d are live", res.Messages, len(live))
	}
	problems.report(t, "after the rebuild")
	t.Logf("rebuild: %d messages in %d mailboxes from %d containers, %d deleted ones skipped", res.Messages, res.Mailboxes, res.Containers, res.Deleted)
}

// allMailboxes lists the mailboxes of every account in the store.
func allMailboxes(t *testing.T, s *Store) []Mailbox {
	t.Helper()
	accounts, err := s.Accounts()
	if err != nil {
		t.Fatal(err)
	}
	var out []Mailbox
	for _, a := range accounts {
		mbs, err := s.ListMailboxes(a)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, mbs...)
	}
	return out
}

func mailboxMessages(t *testing.T, s *Store, id MailboxID) []MessageInfo {
	t.Helper()
	var out []MessageInfo
	err := s.Messages(id, 1, math.MaxUint32, func(info MessageInfo) error {
		out = append(out, info)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func readBody(s *Store, g GUID) ([]byte, error) {
	r, err := s.OpenMessage(g)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// problemList gathers the problems of one verification, so that a store
// that lost hundreds of messages fails with a summary, not a flood.
type problemList struct{ items []string }

func (p *problemList) add(format string, args ...any) {
	p.items = append(p.items, fmt.Sprintf(format, args...))
}

func (p *problemList) report(t *testing.T, when string) {
	t.Helper()
	const shown = 10
	if len(p.items) == 0 {
		return
	}
	slices.Sort(p.items)
	more := ""
	if len(p.items) > shown {
		more = fmt.Sprintf("\n\t... and %d more", len(p.items)-shown)
	}
	t.Errorf("%s: %d problems:\n\t%s%s", when, len(p.items), strings.Join(p.items[:min(shown, len(p.items))], "\n\t"), more)
}
