package store

import (
	"sync"
	"sync/atomic"
)

// ChangeKind says what a Change is about.
type ChangeKind uint8

// Change kinds.
const (
	ChangeAppend  ChangeKind = iota + 1 // a message was added to Mailbox
	ChangeFlags                         // a message's flags changed
	ChangeExpunge                       // a message was removed
	ChangeMailbox                       // a mailbox was created, renamed, deleted or (un)subscribed
)

// Change is one committed change, published after its commit.
type Change struct {
	Kind     ChangeKind
	Account  string
	Mailbox  MailboxID
	Name     string // ChangeMailbox: the mailbox's name now ("" if deleted)
	UID      uint32
	Flags    Flags
	Keywords []string
	ModSeq   uint64
}

// Watcher receives the changes of one account. A watcher that does not keep
// up loses changes and says so through Overflowed; its owner must then
// re-read the state it cares about.
type Watcher struct {
	// C delivers the changes of one commit at a time.
	C        <-chan []Change
	c        chan []Change
	account  string
	n        *notifier
	overflow atomic.Bool
	once     sync.Once
}

type notifier struct {
	mu       sync.Mutex
	watchers map[string]map[*Watcher]struct{}
}

func newNotifier() *notifier {
	return &notifier{watchers: make(map[string]map[*Watcher]struct{})}
}

// watchBuffer is how many commits a watcher holds unread. Every selected
// IMAP session has one, so it is small (a slot is a slice header); a
// session that falls further behind is told it overflowed and re-reads
// its mailbox's state, which is correct, only slower.
const watchBuffer = 32

// Watch subscribes to the changes of one account until Close.
func (s *Store) Watch(account string) *Watcher {
	// What was acknowledged before is published now, not to this watcher.
	s.settle()
	c := make(chan []Change, watchBuffer)
	w := &Watcher{C: c, c: c, account: account, n: s.notify}
	n := s.notify
	n.mu.Lock()
	set := n.watchers[account]
	if set == nil {
		set = make(map[*Watcher]struct{})
		n.watchers[account] = set
	}
	set[w] = struct{}{}
	n.mu.Unlock()
	return w
}

// Overflowed reports, and clears, whether changes were dropped.
func (w *Watcher) Overflowed() bool { return w.overflow.Swap(false) }

// Close unsubscribes and closes C.
func (w *Watcher) Close() {
	w.once.Do(func() {
		n := w.n
		n.mu.Lock()
		if set := n.watchers[w.account]; set != nil {
			delete(set, w)
			if len(set) == 0 {
				delete(n.watchers, w.account)
			}
		}
		n.mu.Unlock()
		close(w.c)
	})
}

// publish hands each watcher the changes of its account; it never blocks.
func (n *notifier) publish(changes []Change) {
	if len(changes) == 0 {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.watchers) == 0 {
		return
	}
	byAccount := make(map[string][]Change)
	for _, c := range changes {
		if _, ok := n.watchers[c.Account]; ok {
			byAccount[c.Account] = append(byAccount[c.Account], c)
		}
	}
	for account, cs := range byAccount {
		for w := range n.watchers[account] {
			select {
			case w.c <- cs:
			default:
				w.overflow.Store(true)
			}
		}
	}
}

func (n *notifier) closeAll() {
	n.mu.Lock()
	var all []*Watcher
	for _, set := range n.watchers {
		for w := range set {
			all = append(all, w)
		}
	}
	n.mu.Unlock()
	for _, w := range all {
		w.Close()
	}
}
