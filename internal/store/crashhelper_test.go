package store

// This file is the load side of the kill -9 tests in crash_test.go: the
// helper process, which the test binary becomes when re-executed with
// TestCrashHelper selected and a helperConfig in the environment, and the
// parent's end of it. The helper loads a store until the parent kills it
// with SIGKILL, and reports on stdout, one JSON line per event, what the
// store acknowledged. The message generator and the delivery and removal
// steps are shared with the parent, which uses them to refill the store
// between runs.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// crashHelperEnv holds the helper's JSON config; without it TestCrashHelper
// does nothing.
const crashHelperEnv = "AXMAIL_STORE_CRASH_HELPER"

// helperLifetime bounds a helper that nobody kills, so that a broken parent
// leaves no process behind for long.
const helperLifetime = 30 * time.Second

// Helper modes.
const (
	modeLoad          = "load"           // appends, multi-target deliveries and removals
	modeCompact       = "compact"        // one compaction pass, nothing else
	modeCompactOnline = "compact-online" // compaction passes while modeLoad runs
)

// helperConfig tells a helper process what to do.
type helperConfig struct {
	Mode          string `json:"mode"`
	DataDir       string `json:"data_dir"`
	ContainerSize int64  `json:"container_size"`
	Run           int    `json:"run"`
	Seed          uint64 `json:"seed"`
	Workers       int    `json:"workers"`
}

// Events a helper reports, in the order they happened.
const (
	evReady           = "ready"            // the store is open
	evAdd             = "add"              // a delivery was acknowledged
	evRemoving        = "removing"         // a removal is about to be asked for
	evRemoved         = "removed"          // a removal returned
	evCompactStart    = "compact-start"    // a compaction pass starts
	evCompactProgress = "compact-progress" // a source container is done
	evCompactDone     = "compact-done"     // a compaction pass returned
	evRecycled        = "recycled"         // a source was recycled as an output
)

// crashEvent is one line of a helper's report.
type crashEvent struct {
	Ev string `json:"ev"`

	// evAdd: the message and every placement the store acknowledged.
	GUID string           `json:"guid,omitempty"`
	Seed uint64           `json:"seed,omitempty"`
	Size int              `json:"size,omitempty"`
	To   []ackedPlacement `json:"to,omitempty"`

	// evRemoving, evRemoved: messages of one mailbox.
	Account string   `json:"account,omitempty"`
	Mailbox string   `json:"mailbox,omitempty"`
	UIDs    []uint32 `json:"uids,omitempty"`

	// evCompactProgress, evCompactDone.
	Done   int64 `json:"done,omitempty"`
	Total  int64 `json:"total,omitempty"`
	Millis int64 `json:"ms,omitempty"`
}

// ackedPlacement is where an acknowledged message was placed.
type ackedPlacement struct {
	Account     string    `json:"account"`
	Mailbox     string    `json:"mailbox"`
	MailboxID   MailboxID `json:"mailbox_id"`
	UID         uint32    `json:"uid"`
	UIDValidity uint32    `json:"uidvalidity"`
}

// The accounts and mailboxes the crash tests deliver to.
var (
	crashAccounts  = []string{"u0@example.org", "u1@example.org", "u2@example.org", "u3@example.org"}
	crashMailboxes = []string{Inbox, "Archive", "Lists/go"}
)

// Seeds name messages: the run that stored it, the worker and a counter.
// Workers from parentWorkerBase on belong to the parent (refills between
// runs), the others to a helper.
const parentWorkerBase = 200

func makeSeed(run, worker, i int) uint64 {
	return uint64(run)<<40 | uint64(worker)<<32 | uint64(uint32(i))
}

func seedRun(seed uint64) int    { return int(seed >> 40) }
func seedWorker(seed uint64) int { return int(seed >> 32 & 0xff) }

const seedHeader = "X-Crash-Seed: "

// crashMessage returns the body of the message with the given seed. The
// seed is in a header, so that any body found in the store, acknowledged or
// not, can be regenerated and compared byte for byte. Most bodies are a few
// KiB; one in sixteen is up to 64 KiB, to cross container boundaries.
func crashMessage(seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	size := 300 + rng.IntN(6000)
	if rng.IntN(16) == 0 {
		size = 16<<10 + rng.IntN(48<<10)
	}
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,"
	var b bytes.Buffer
	b.Grow(size + 80)
	fmt.Fprintf(&b, "From: crash@example.org\r\nSubject: crash test %d\r\n%s%d\r\n\r\n", seed, seedHeader, seed)
	for b.Len() < size {
		for range 40 + rng.IntN(36) {
			b.WriteByte(alphabet[rng.IntN(len(alphabet))])
		}
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

// seedOf reads the seed header of a crashMessage body.
func seedOf(body []byte) (uint64, bool) {
	_, rest, ok := bytes.Cut(body, []byte("\r\n"+seedHeader))
	if !ok {
		return 0, false
	}
	digits, _, ok := bytes.Cut(rest, []byte("\r\n"))
	if !ok {
		return 0, false
	}
	seed, err := strconv.ParseUint(string(digits), 10, 64)
	return seed, err == nil
}

// crashOptions are the store options of every open in the crash tests,
// helper and parent alike.
func crashOptions(dir string, containerSize int64, logger io.Writer) Options {
	o := Options{DataDir: dir, ContainerSize: containerSize, Dirs: 4}
	if logger != nil {
		o.Logger = slog.New(slog.NewTextHandler(logger, nil))
	}
	return o
}

// lockDataDir takes the data-dir lock, retrying for a while: a flock
// belongs to the open file, and a process that the other crash test forks
// holds a copy of every descriptor until its exec closes them, so a lock
// just released may still be held for a moment.
func lockDataDir(dir, holder string) (*DirLock, error) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		l, err := Lock(dir, holder)
		if !errors.Is(err, ErrLocked) || time.Now().After(deadline) {
			return l, err
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// ensureMailboxes creates the mailboxes Append needs; Deliver creates them
// itself.
func ensureMailboxes(ctx context.Context, s *Store) error {
	for _, a := range crashAccounts {
		for _, name := range crashMailboxes {
			if name == Inbox {
				continue
			}
			if _, err := s.GetMailbox(a, name); !errors.Is(err, ErrNoMailbox) {
				continue
			}
			if _, err := s.CreateMailbox(ctx, a, name, MailboxOptions{}); err != nil && !errors.Is(err, ErrMailboxExists) {
				return err
			}
		}
	}
	return nil
}

// pickTargets chooses one target, or for one delivery in four two or three
// distinct ones.
func pickTargets(rng *rand.Rand) []Target {
	n := 1
	if rng.IntN(4) == 0 {
		n = 2 + rng.IntN(2)
	}
	var out []Target
	for len(out) < n {
		t := Target{Account: crashAccounts[rng.IntN(len(crashAccounts))], Mailbox: crashMailboxes[rng.IntN(len(crashMailboxes))], Create: true}
		if !slices.ContainsFunc(out, func(o Target) bool { return o.Account == t.Account && o.Mailbox == t.Mailbox }) {
			out = append(out, t)
		}
	}
	return out
}

// deliverOne stores the message of seed, with Append for one target and
// Deliver for several, and returns its acknowledgement.
func deliverOne(ctx context.Context, s *Store, rng *rand.Rand, seed uint64) (crashEvent, error) {
	body := crashMessage(seed)
	targets := pickTargets(rng)
	ev := crashEvent{Ev: evAdd, Seed: seed, Size: len(body)}
	var placed []Placed
	if len(targets) == 1 {
		t := targets[0]
		p, err := s.Append(ctx, t.Account, t.Mailbox, body, 0, nil, time.Time{}, Quota{})
		if err != nil {
			return ev, fmt.Errorf("append seed %d to %s %s: %w", seed, t.Account, t.Mailbox, err)
		}
		// Append does not return the GUID; nothing removes the message
		// before its acknowledgement is out, so the lookup cannot miss.
		info, err := s.Message(p.Mailbox, p.UID)
		if err != nil {
			return ev, fmt.Errorf("look up appended seed %d: %w", seed, err)
		}
		ev.GUID = info.GUID.String()
		placed = []Placed{p}
	} else {
		guid, ps, err := s.Deliver(ctx, body, Delivery{Targets: targets})
		if err != nil {
			return ev, fmt.Errorf("deliver seed %d: %w", seed, err)
		}
		for i, p := range ps {
			if p.Err != nil {
				return ev, fmt.Errorf("deliver seed %d to %s %s: %w", seed, targets[i].Account, targets[i].Mailbox, p.Err)
			}
		}
		ev.GUID = guid.String()
		placed = ps
	}
	for i, p := range placed {
		ev.To = append(ev.To, ackedPlacement{Account: targets[i].Account, Mailbox: targets[i].Mailbox,
			MailboxID: p.Mailbox, UID: p.UID, UIDValidity: p.UIDValidity})
	}
	return ev, nil
}

// poolItem is a message placement a helper may remove.
type poolItem struct {
	account, mailbox string
	mailboxID        MailboxID
	uid              uint32
}

// placementPool holds the placements that are acknowledged and not yet
// taken for removal. Only reported placements enter it, so a removal is
// always reported after the add it undoes.
type placementPool struct {
	mu    sync.Mutex
	items []poolItem
}

func (p *placementPool) add(items ...poolItem) {
	p.mu.Lock()
	p.items = append(p.items, items...)
	p.mu.Unlock()
}

func (p *placementPool) addAcked(ev crashEvent) {
	for _, to := range ev.To {
		p.add(poolItem{to.Account, to.Mailbox, to.MailboxID, to.UID})
	}
}

func (p *placementPool) len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.items)
}

// take removes and returns up to max random items of one mailbox.
func (p *placementPool) take(rng *rand.Rand, max int) []poolItem {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []poolItem
	for tries := 0; len(p.items) > 0 && len(out) < max && tries < 4*max; tries++ {
		i := rng.IntN(len(p.items))
		if len(out) > 0 && p.items[i].mailboxID != out[0].mailboxID {
			continue
		}
		out = append(out, p.items[i])
		p.items[i] = p.items[len(p.items)-1]
		p.items = p.items[:len(p.items)-1]
	}
	return out
}

// loadPool lists every message in the crash accounts.
func loadPool(s *Store) (*placementPool, error) {
	pool := &placementPool{}
	for _, a := range crashAccounts {
		mbs, err := s.ListMailboxes(a)
		if err != nil {
			return nil, err
		}
		for _, mb := range mbs {
			err := s.Messages(mb.ID, 1, math.MaxUint32, func(info MessageInfo) error {
				pool.add(poolItem{a, mb.Name, mb.ID, info.UID})
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
	}
	return pool, nil
}

// removeBatch removes messages of one mailbox, with Remove or, as an IMAP
// client does, with \Deleted and Expunge. It reports the removal before
// asking for it, since a kill may leave its outcome unknown, and after.
func removeBatch(ctx context.Context, s *Store, rng *rand.Rand, batch []poolItem, report func(crashEvent) error) error {
	first := batch[0]
	uids := make([]uint32, len(batch))
	for i, it := range batch {
		uids[i] = it.uid
	}
	slices.Sort(uids)
	if err := report(crashEvent{Ev: evRemoving, Account: first.account, Mailbox: first.mailbox, UIDs: uids}); err != nil {
		return err
	}
	var removed []uint32
	var err error
	if rng.IntN(2) == 0 {
		removed, err = s.Remove(ctx, first.mailboxID, uids)
	} else {
		if _, _, err = s.StoreFlags(ctx, first.mailboxID, uids, FlagsAdd, FlagDeleted, nil, 0); err == nil {
			removed, err = s.Expunge(ctx, first.mailboxID, uids)
		}
	}
	if err != nil {
		return fmt.Errorf("remove %v from %s %s: %w", uids, first.account, first.mailbox, err)
	}
	if !slices.Equal(removed, uids) {
		return fmt.Errorf("remove %v from %s %s removed %v", uids, first.account, first.mailbox, removed)
	}
	return report(crashEvent{Ev: evRemoved, Account: first.account, Mailbox: first.mailbox, UIDs: removed})
}

// eventWriter writes a helper's report.
type eventWriter struct {
	mu sync.Mutex
	w  io.Writer
}

// emit writes one event as one line with one write. A line is far below
// PIPE_BUF, so a kill never leaves half of one in the pipe.
func (e *eventWriter) emit(ev crashEvent) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	_, err = e.w.Write(append(b, '\n'))
	return err
}

// TestCrashHelper is the helper process of the crash tests; run directly it
// does nothing.
func TestCrashHelper(t *testing.T) {
	raw := os.Getenv(crashHelperEnv)
	if raw == "" {
		return
	}
	var cfg helperConfig
	err := json.Unmarshal([]byte(raw), &cfg)
	if err == nil {
		err = runCrashHelper(cfg)
	}
	// The helper only ever ends by a kill; anything else is a failure the
	// parent reads on stderr. Exiting here keeps the testing package from
	// writing its verdict into the report.
	fmt.Fprintf(os.Stderr, "crash helper: %v\n", err)
	os.Exit(2)
}

// runCrashHelper opens the store and loads it as cfg says until it is
// killed; it returns only on a failure.
func runCrashHelper(cfg helperConfig) error {
	lock, err := lockDataDir(cfg.DataDir, "crash helper")
	if err != nil {
		return err
	}
	defer lock.Unlock() // also keeps the lock file from being collected
	out := &eventWriter{w: os.Stdout}
	opts := crashOptions(cfg.DataDir, cfg.ContainerSize, os.Stderr)
	opts.hooks = &faultHooks{recycled: func() { _ = out.emit(crashEvent{Ev: evRecycled}) }}
	s, err := Open(opts)
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	ctx := context.Background()
	if err := ensureMailboxes(ctx, s); err != nil {
		return err
	}
	pool, err := loadPool(s)
	if err != nil {
		return err
	}
	if err := out.emit(crashEvent{Ev: evReady}); err != nil {
		return err
	}
	failed := make(chan error, 1)
	fail := func(err error) {
		select {
		case failed <- err:
		default:
		}
	}
	if cfg.Mode == modeLoad || cfg.Mode == modeCompactOnline {
		for w := range cfg.Workers {
			go func() { fail(appendLoop(ctx, s, cfg, w, out, pool)) }()
		}
		go func() { fail(removeLoop(ctx, s, cfg, out, pool)) }()
	}
	switch cfg.Mode {
	case modeLoad:
	case modeCompact:
		go func() {
			if err := compactReporting(ctx, s, out); err != nil {
				fail(err)
			}
		}()
	case modeCompactOnline:
		go func() {
			for {
				if err := compactReporting(ctx, s, out); err != nil {
					fail(err)
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
		}()
	default:
		return fmt.Errorf("unknown mode %q", cfg.Mode)
	}
	select {
	case err := <-failed:
		return err
	case <-time.After(helperLifetime):
		return errors.New("not killed in time")
	}
}

// appendLoop delivers messages one after another and reports each once it
// is acknowledged.
func appendLoop(ctx context.Context, s *Store, cfg helperConfig, worker int, out *eventWriter, pool *placementPool) error {
	rng := rand.New(rand.NewPCG(cfg.Seed, uint64(worker)))
	for i := 0; ; i++ {
		ev, err := deliverOne(ctx, s, rng, makeSeed(cfg.Run, worker, i))
		if err != nil {
			return err
		}
		if err := out.emit(ev); err != nil {
			return err
		}
		pool.addAcked(ev)
	}
}

// removeLoop removes a few messages at a time. Past poolHighWater
// placements it takes larger batches, so that the store, which the parent
// verifies in full after every kill, stops growing there.
func removeLoop(ctx context.Context, s *Store, cfg helperConfig, out *eventWriter, pool *placementPool) error {
	const poolHighWater = 1500
	rng := rand.New(rand.NewPCG(cfg.Seed, math.MaxUint64))
	for {
		time.Sleep(time.Duration(2+rng.IntN(10)) * time.Millisecond)
		n := 4
		if pool.len() > poolHighWater {
			n = 64
		}
		batch := pool.take(rng, n)
		if len(batch) == 0 {
			continue
		}
		if err := removeBatch(ctx, s, rng, batch, out.emit); err != nil {
			return err
		}
	}
}

// compactReporting runs one compaction pass and reports its progress.
func compactReporting(ctx context.Context, s *Store, out *eventWriter) error {
	if err := out.emit(crashEvent{Ev: evCompactStart}); err != nil {
		return err
	}
	start := time.Now()
	res, err := s.Compact(ctx, CompactOptions{Progress: func(done, total int64) {
		_ = out.emit(crashEvent{Ev: evCompactProgress, Done: done, Total: total})
	}})
	if err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	if len(res.Skipped) > 0 {
		return fmt.Errorf("compaction skipped damaged containers: %v", res.Skipped)
	}
	return out.emit(crashEvent{Ev: evCompactDone, Done: int64(res.Compacted), Total: int64(res.Candidates), Millis: time.Since(start).Milliseconds()})
}

// makeGarbage tops the live messages up to liveTarget bytes, then removes
// about half of the placements, so that most containers are above the
// compaction threshold again.
func makeGarbage(t *testing.T, s *Store, m *storeModel, rng *rand.Rand, run int, liveTarget int64) {
	t.Helper()
	if err := ensureMailboxes(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	topUp(t, s, m, rng, run, liveTarget)
	thinOut(t, s, m, rng, 0.5)
}

// topUp delivers messages from 8 goroutines until the live messages weigh
// liveTarget bytes.
func topUp(t *testing.T, s *Store, m *storeModel, rng *rand.Rand, run int, liveTarget int64) {
	t.Helper()
	need := liveTarget - m.liveBytes()
	var stored atomic.Int64
	var mu sync.Mutex // guards m
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wrng := rand.New(rand.NewPCG(rng.Uint64(), uint64(w)))
		wg.Go(func() {
			for i := 0; stored.Load() < need; i++ {
				ev, err := deliverOne(context.Background(), s, wrng, makeSeed(run, parentWorkerBase+w, i))
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				m.apply(t, ev)
				mu.Unlock()
				stored.Add(int64(ev.Size))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("top up: %v", err)
	}
}

// thinOut removes each live placement with the given probability, one
// Remove per mailbox.
func thinOut(t *testing.T, s *Store, m *storeModel, rng *rand.Rand, fraction float64) {
	t.Helper()
	picked := make(map[mailboxKey][]uint32)
	for _, key := range m.sortedLive() {
		if rng.Float64() < fraction {
			picked[key.mailboxKey] = append(picked[key.mailboxKey], key.uid)
		}
	}
	for mk, uids := range picked {
		mb, err := s.GetMailbox(mk.account, mk.mailbox)
		if err != nil {
			t.Fatalf("thin out %s: %v", mk, err)
		}
		removed, err := s.Remove(context.Background(), mb.ID, uids)
		if err != nil || len(removed) != len(uids) {
			t.Fatalf("thin out %s: removed %d of %d: %v", mk, len(removed), len(uids), err)
		}
		m.apply(t, crashEvent{Ev: evRemoved, Account: mk.account, Mailbox: mk.mailbox, UIDs: removed})
	}
}

// killPlan says when to kill a helper: delay after its first event of kind
// after, or after its start when after is "".
type killPlan struct {
	after string
	delay time.Duration
	// orDone starts the delay at the end of the pass if after does not
	// come first.
	orDone bool
}

func (k killPlan) String() string {
	switch {
	case k.after == "":
		return fmt.Sprintf("%v after start", k.delay)
	case k.orDone:
		return fmt.Sprintf("%v after %s (or the pass)", k.delay, k.after)
	}
	return fmt.Sprintf("%v after %s", k.delay, k.after)
}

// starts reports whether ev starts the kill's delay.
func (k killPlan) starts(ev crashEvent) bool {
	return ev.Ev == k.after || k.orDone && ev.Ev == evCompactDone
}

// helperProc is a running helper process.
type helperProc struct {
	cmd     *exec.Cmd
	events  <-chan crashEvent // closed once stdout is drained
	stderr  bytes.Buffer      // read only after Wait
	readErr error             // set before events is closed
}

// startHelper re-executes the test binary as a helper with cfg.
func startHelper(t *testing.T, cfg helperConfig) *helperProc {
	t.Helper()
	raw, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := &helperProc{cmd: exec.Command(os.Args[0], "-test.run=^TestCrashHelper$")}
	p.cmd.Env = append(os.Environ(), crashHelperEnv+"="+string(raw))
	p.cmd.Stderr = &p.stderr
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start helper: %v", err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil { // the test failed before the kill
			_ = p.cmd.Process.Kill()
			_ = p.cmd.Wait()
		}
	})
	events := make(chan crashEvent, 256)
	p.events = events
	go p.read(stdout, events)
	return p
}

// read decodes the helper's report. It keeps reading after a bad line so
// that the helper never blocks on a full pipe.
func (p *helperProc) read(stdout io.Reader, events chan<- crashEvent) {
	defer close(events)
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var ev crashEvent
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			if p.readErr == nil {
				p.readErr = fmt.Errorf("helper wrote %q: %v", sc.Text(), err)
			}
			continue
		}
		events <- ev
	}
	if err := sc.Err(); err != nil && p.readErr == nil {
		p.readErr = err
	}
}

// killAfter passes every event of the helper to apply, in order, and kills
// the helper with SIGKILL as k says. It returns once the helper is dead and
// every line it wrote has been applied.
func (p *helperProc) killAfter(t *testing.T, k killPlan, apply func(crashEvent)) {
	t.Helper()
	var fire <-chan time.Time
	if k.after == "" {
		fire = time.After(k.delay)
	}
	stuck := time.After(20 * time.Second)
	for {
		select {
		case ev, ok := <-p.events:
			if !ok {
				err := p.cmd.Wait()
				t.Fatalf("helper ended before its kill (%v); stderr:\n%s", err, p.stderr.String())
			}
			apply(ev)
			if fire == nil && k.starts(ev) {
				fire = time.After(k.delay)
			}
		case <-fire:
			p.kill(t, apply)
			return
		case <-stuck:
			p.kill(t, apply)
			t.Fatalf("helper did not report %q within 20s; stderr:\n%s", k.after, p.stderr.String())
		}
	}
}

func (p *helperProc) kill(t *testing.T, apply func(crashEvent)) {
	t.Helper()
	// A helper that ended on its own makes Kill fail; the wait status
	// below reports it with its stderr.
	_ = p.cmd.Process.Kill()
	// Lines written before the kill are still in the pipe: they are
	// acknowledgements like any other.
	for ev := range p.events {
		apply(ev)
	}
	err := p.cmd.Wait()
	if ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("helper ended with %v, not by the kill; stderr:\n%s", err, p.stderr.String())
	}
	if p.readErr != nil {
		t.Fatalf("helper report: %v", p.readErr)
	}
}
