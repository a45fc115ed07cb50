package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// update runs fn in a write transaction shared with concurrent callers
// (bbolt's Batch: one fsync for many) and publishes its effects after the
// commit. fn may run more than once and must not act outside the tx.
func (s *Store) update(ctx context.Context, fn func(t *txState) error) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	var st *txState
	err := s.indexWrite(true, func(tx *bolt.Tx) error {
		st = s.newTx(tx)
		if err := fn(st); err != nil {
			return err
		}
		return st.flush()
	})
	if err != nil {
		if IsPermanent(err) || errors.Is(err, ErrModified) {
			return err
		}
		return &TemporaryError{err}
	}
	s.afterCommit(st)
	return nil
}

// MailboxOptions are the attributes of a new mailbox.
type MailboxOptions struct {
	Subscribed bool
	SpecialUse string
}

// CreateMailbox creates a mailbox. Like IMAP CREATE it does not create
// missing parents: IMAP clients see them as \NonExistent levels.
func (s *Store) CreateMailbox(ctx context.Context, account, name string, o MailboxOptions) (Mailbox, error) {
	name, err := CanonicalName(name)
	if err != nil {
		return Mailbox{}, err
	}
	var mb *Mailbox
	err = s.update(ctx, func(t *txState) error {
		var err error
		mb, err = t.createMailbox(account, name, o.Subscribed, o.SpecialUse)
		return err
	})
	if err != nil {
		return Mailbox{}, err
	}
	return *mb, nil
}

// GetMailbox returns a mailbox by name.
func (s *Store) GetMailbox(account, name string) (Mailbox, error) {
	s.settle()
	return s.FindMailbox(account, name)
}

// FindMailbox returns a mailbox by name without waiting for acknowledged
// appends to reach the index: its identity (ID, Name, UIDValidity) is
// current, as mailboxes are created, renamed and deleted by committed
// transactions only, but its counters may lag by milliseconds. For
// callers that need the mailbox, not its contents (APPEND's target).
func (s *Store) FindMailbox(account, name string) (Mailbox, error) {
	var mb Mailbox
	err := s.db.View(func(tx *bolt.Tx) error {
		m, err := s.newTx(tx).mailboxByName(account, name)
		if err == nil {
			mb = *m
		}
		return err
	})
	return mb, err
}

// MailboxByID returns a mailbox by id.
func (s *Store) MailboxByID(id MailboxID) (Mailbox, error) {
	var mb Mailbox
	err := s.view(func(tx *bolt.Tx) error {
		m, err := s.newTx(tx).mailbox(id)
		if err == nil {
			mb = *m
		}
		return err
	})
	return mb, err
}

// ListMailboxes returns an account's mailboxes in name order.
func (s *Store) ListMailboxes(account string) ([]Mailbox, error) {
	var out []Mailbox
	err := s.view(func(tx *bolt.Tx) error {
		t := s.newTx(tx)
		prefix := mbnameKey(account, "")
		cur := tx.Bucket(bucketMBNames).Cursor()
		for k, v := cur.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, v = cur.Next() {
			mb, err := t.mailbox(MailboxID(getU64(v)))
			if err != nil {
				return err
			}
			out = append(out, *mb)
		}
		return nil
	})
	return out, err
}

// HasMailboxes reports whether an account has any mailbox.
func (s *Store) HasMailboxes(account string) (bool, error) {
	found := false
	err := s.view(func(tx *bolt.Tx) error {
		prefix := mbnameKey(account, "")
		k, _ := tx.Bucket(bucketMBNames).Cursor().Seek(prefix)
		found = k != nil && strings.HasPrefix(string(k), string(prefix))
		return nil
	})
	return found, err
}

// Accounts returns the names of every account that has mailboxes.
func (s *Store) Accounts() ([]string, error) {
	var out []string
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketAccounts).ForEach(func(k, _ []byte) error {
			out = append(out, string(k))
			return nil
		})
	})
	return out, err
}

// SetSubscribed changes a mailbox's subscription.
func (s *Store) SetSubscribed(ctx context.Context, account, name string, on bool) error {
	return s.update(ctx, func(t *txState) error {
		mb, err := t.mailboxByName(account, name)
		if err != nil {
			return err
		}
		mb.Subscribed = on
		t.changes = append(t.changes, Change{Kind: ChangeMailbox, Account: account, Mailbox: mb.ID, Name: mb.Name})
		return nil
	})
}

// SetSpecialUse changes a mailbox's special-use attribute (RFC 6154).
func (s *Store) SetSpecialUse(ctx context.Context, account, name, use string) error {
	return s.update(ctx, func(t *txState) error {
		mb, err := t.mailboxByName(account, name)
		if err != nil {
			return err
		}
		mb.SpecialUse = use
		return nil
	})
}

// DeleteMailbox deletes a mailbox and its messages. INBOX cannot be
// deleted; children are left alone (RFC 9051 §6.3.4).
func (s *Store) DeleteMailbox(ctx context.Context, account, name string) error {
	return s.update(ctx, func(t *txState) error {
		mb, err := t.mailboxByName(account, name)
		if err != nil {
			return err
		}
		if mb.Name == Inbox {
			return fmt.Errorf("%w: INBOX cannot be deleted", ErrBadName)
		}
		return t.deleteMailbox(mb)
	})
}

// DeleteAccount deletes every mailbox of an account and its usage record.
func (s *Store) DeleteAccount(ctx context.Context, account string) error {
	return s.update(ctx, func(t *txState) error {
		prefix := mbnameKey(account, "")
		var ids []MailboxID
		cur := t.tx.Bucket(bucketMBNames).Cursor()
		for k, v := cur.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, v = cur.Next() {
			ids = append(ids, MailboxID(getU64(v)))
		}
		for _, id := range ids {
			mb, err := t.mailbox(id)
			if err != nil {
				return err
			}
			if err := t.deleteMailbox(mb); err != nil {
				return err
			}
		}
		delete(t.usage, account)
		return t.tx.Bucket(bucketAccounts).Delete([]byte(account))
	})
}

func (t *txState) deleteMailbox(mb *Mailbox) error {
	prefix := u64key(uint64(mb.ID))
	msgs := t.tx.Bucket(bucketMessages)
	cur := msgs.Cursor()
	var keys [][]byte
	for k, v := cur.Seek(prefix); k != nil; k, v = cur.Next() {
		if id, _, ok := splitMessageKey(k); !ok || id != mb.ID {
			break
		}
		mv, err := decodeMessage(v)
		if err != nil {
			return err
		}
		u, err := t.usageOf(mb.Account)
		if err != nil {
			return err
		}
		u.Bytes -= mv.Size
		u.Messages--
		if err := t.unref(mv.GUID); err != nil {
			return err
		}
		keys = append(keys, k)
	}
	for _, k := range keys {
		if err := msgs.Delete(k); err != nil {
			return err
		}
	}
	if err := t.tx.Bucket(bucketMBNames).Delete(mbnameKey(mb.Account, mb.Name)); err != nil {
		return err
	}
	if err := t.tx.Bucket(bucketMailboxes).Delete(u64key(uint64(mb.ID))); err != nil {
		return err
	}
	t.mailboxes[mb.ID] = nil
	t.cacheOps = append(t.cacheOps, cacheOp{kind: cacheDrop, mb: mb.ID})
	t.changes = append(t.changes, Change{Kind: ChangeMailbox, Account: mb.Account, Mailbox: mb.ID})
	return nil
}

// RenameMailbox renames a mailbox and its children, keeping ids, UIDs and
// UIDVALIDITY. Renaming INBOX moves it, with its messages, to the new name
// and leaves a new empty INBOX (RFC 9051 §6.3.6).
func (s *Store) RenameMailbox(ctx context.Context, account, from, to string) error {
	to, err := CanonicalName(to)
	if err != nil {
		return err
	}
	return s.update(ctx, func(t *txState) error {
		mb, err := t.mailboxByName(account, from)
		if err != nil {
			return err
		}
		if _, exists := t.mailboxID(account, to); exists {
			return ErrMailboxExists
		}
		if mb.Name == to {
			return nil
		}
		if mb.Name == Inbox {
			if err := t.renameOne(mb, to); err != nil {
				return err
			}
			_, err := t.createMailbox(account, Inbox, true, "")
			return err
		}
		if strings.HasPrefix(to, mb.Name+string(Delimiter)) {
			return fmt.Errorf("%w: cannot move %q under itself", ErrBadName, mb.Name)
		}
		prefix := mbnameKey(account, mb.Name+string(Delimiter))
		var children []MailboxID
		cur := t.tx.Bucket(bucketMBNames).Cursor()
		for k, v := cur.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, v = cur.Next() {
			children = append(children, MailboxID(getU64(v)))
		}
		old := mb.Name
		if err := t.renameOne(mb, to); err != nil {
			return err
		}
		for _, id := range children {
			c, err := t.mailbox(id)
			if err != nil {
				return err
			}
			if err := t.renameOne(c, to+strings.TrimPrefix(c.Name, old)); err != nil {
				return err
			}
		}
		return nil
	})
}

func (t *txState) renameOne(mb *Mailbox, to string) error {
	names := t.tx.Bucket(bucketMBNames)
	if names.Get(mbnameKey(mb.Account, to)) != nil {
		return ErrMailboxExists
	}
	if err := names.Delete(mbnameKey(mb.Account, mb.Name)); err != nil {
		return err
	}
	if err := names.Put(mbnameKey(mb.Account, to), u64key(uint64(mb.ID))); err != nil {
		return err
	}
	mb.Name = to
	t.changes = append(t.changes, Change{Kind: ChangeMailbox, Account: mb.Account, Mailbox: mb.ID, Name: to})
	return nil
}

// Usage returns an account's quota usage over all its mailboxes.
func (s *Store) Usage(account string) (Usage, error) {
	s.settle()
	return s.UsageEstimate(account)
}

// UsageEstimate is Usage without waiting for acknowledged appends to reach
// the index: it may lag by milliseconds. For early refusals (SMTP RCPT);
// the quota itself is enforced in the transaction that stores a message.
func (s *Store) UsageEstimate(account string) (Usage, error) {
	var u Usage
	err := s.db.View(func(tx *bolt.Tx) error {
		p, err := s.newTx(tx).usageOf(account)
		if err == nil {
			u = *p
		}
		return err
	})
	return u, err
}
