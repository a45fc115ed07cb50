package store

// This file is the child side of the kill -9 tests in crash_test.go. The
// test binary re-executes itself with TestCrashHelper selected and a
// helperConfig in the environment; the helper loads a store until its
// parent kills it with SIGKILL, and reports on stdout, one JSON line per
// event, what the store acknowledged. The message generator and the
// delivery and removal steps are shared with the parent, which uses them to
// refill the store between runs.

import (
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
	"slices"
	"strconv"
	"sync"
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
	lock, err := Lock(cfg.DataDir, "crash helper")
	if err != nil {
		return err
	}
	defer lock.Unlock() // also keeps the lock file from being collected
	s, err := Open(crashOptions(cfg.DataDir, cfg.ContainerSize, os.Stderr))
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
	out := &eventWriter{w: os.Stdout}
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

// removeLoop removes a few messages at a time, at about a third of the
// rate of the appends, so that the store keeps growing slowly.
func removeLoop(ctx context.Context, s *Store, cfg helperConfig, out *eventWriter, pool *placementPool) error {
	rng := rand.New(rand.NewPCG(cfg.Seed, math.MaxUint64))
	for {
		time.Sleep(time.Duration(2+rng.IntN(10)) * time.Millisecond)
		batch := pool.take(rng, 4)
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
