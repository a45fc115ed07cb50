package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/axmail/axmail/internal/durable"
	bolt "go.etcd.io/bbolt"
)

// RebuildResult summarises an index rebuild.
type RebuildResult struct {
	Containers int           `json:"containers"`
	Records    int64         `json:"records"`
	Messages   int64         `json:"messages"`
	Deleted    int64         `json:"deleted_skipped"`
	Mailboxes  int           `json:"mailboxes"`
	Problems   []Problem     `json:"problems"`
	Backup     string        `json:"backup,omitempty"`
	Duration   time.Duration `json:"duration_ns"`
}

type rebuildEntry struct {
	guid    GUID
	loc     recLoc
	meta    *RecordMeta
	summary []byte
}

// RebuildIndex builds a new index from the containers alone and puts it in
// place of the old one, which is kept as index.db.bak-<unix time>. Every
// intact message record that no tombstone covers is restored to the
// mailboxes it was delivered to, with the flags it had then; mailboxes get
// new UIDVALIDITY values. The store must not be open; the caller holds the
// data-dir lock.
func RebuildIndex(ctx context.Context, opts Options, progress func(done, total int64)) (RebuildResult, error) {
	start := time.Now()
	var res RebuildResult
	o, err := opts.withDefaults()
	if err != nil {
		return res, err
	}
	l := layout{paths: o.Paths, dirs: o.Dirs}
	files, foreign, err := l.scan()
	if err != nil {
		return res, err
	}
	for _, f := range foreign {
		res.Problems = append(res.Problems, Problem{Kind: "foreign", Path: f.Path, Message: "not a container file name; left alone"})
	}
	ids, sizes, total := containerSizes(files)
	var done int64
	var entries []rebuildEntry
	seen := make(map[GUID]bool)
	tombs := make(map[GUID]bool)
	ends := make(map[uint64]int64)
	var buf []byte
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		path := files[id]
		end, err := scanContainer(path, -1, &buf, true, func(r *Record) error {
			res.Records++
			switch r.Kind {
			case KindTombstone:
				tombs[r.GUID] = true
			case KindMessage:
				if seen[r.GUID] {
					return nil // a copy left by an interrupted compaction
				}
				seen[r.GUID] = true
				meta, err := decodeMeta(r.Meta)
				if err != nil {
					return nil // readRecord already verified it
				}
				e := rebuildEntry{guid: r.GUID, meta: meta,
					loc: recLoc{container: id, offset: r.Offset, metaLen: uint32(len(r.Meta)), bodyLen: uint32(len(r.Body))}}
				if o.Summarize != nil {
					e.summary, _ = o.Summarize(bytes.NewReader(r.Body))
				}
				entries = append(entries, e)
			}
			return nil
		}, func(p ScanProblem) {
			res.Problems = append(res.Problems, Problem{Kind: "corrupt", Path: p.Path, Offset: p.Offset, Message: p.Err.Error()})
		})
		if err != nil {
			res.Problems = append(res.Problems, Problem{Kind: "unreadable", Path: path, Message: err.Error()})
			continue
		}
		if end == 0 {
			continue // not a container: reported above
		}
		ends[id] = end
		res.Containers++
		done += sizes[id]
		if progress != nil {
			progress(done, total)
		}
	}

	tmp := filepath.Join(o.DataDir, IndexFile+".rebuild")
	if err := removeStale(tmp); err != nil {
		return res, err
	}
	db, err := openIndex(tmp)
	if err != nil {
		return res, err
	}
	s := &Store{opts: o}
	err = db.Update(func(tx *bolt.Tx) error {
		meta := tx.Bucket(bucketMeta)
		var maxID uint64
		for id, end := range ends {
			cv := containerValue{Size: end, Sealed: true}
			if err := tx.Bucket(bucketContainers).Put(u64key(id), cv.encode()); err != nil {
				return err
			}
			maxID = max(maxID, id)
		}
		if err := meta.Put(keyNextContainer, u64key(maxID+1)); err != nil {
			return err
		}
		st := s.newTx(tx)
		for _, e := range entries {
			if tombs[e.guid] {
				res.Deleted++
				continue
			}
			if err := st.restore(e); err != nil {
				return err
			}
			res.Messages++
		}
		if err := st.flush(); err != nil {
			return err
		}
		return recount(tx, nil)
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return res, fmt.Errorf("store: rebuild index: %w", err)
	}
	res.Mailboxes = len(uniqueMailboxes(entries, tombs))
	final := filepath.Join(o.DataDir, IndexFile)
	if _, err := os.Stat(final); err == nil {
		// A link, not a rename: index.db must exist at every instant, or
		// a kill here would leave a store that Open refuses.
		res.Backup = fmt.Sprintf("%s.bak-%d", final, o.Now().Unix())
		if err := removeStale(res.Backup); err != nil { // a rebuild in the same second
			return res, err
		}
		if err := os.Link(final, res.Backup); err != nil {
			return res, fmt.Errorf("store: rebuild index: %w", err)
		}
	}
	if err := os.Rename(tmp, final); err != nil {
		return res, fmt.Errorf("store: rebuild index: %w", err)
	}
	if err := durable.SyncDir(o.DataDir); err != nil {
		return res, fmt.Errorf("store: rebuild index: %w", err)
	}
	res.Duration = time.Since(start)
	return res, nil
}

func uniqueMailboxes(entries []rebuildEntry, tombs map[GUID]bool) map[string]bool {
	out := make(map[string]bool)
	for _, e := range entries {
		if tombs[e.guid] {
			continue
		}
		for _, p := range e.meta.Placements {
			name, err := CanonicalName(p.Mailbox)
			if err != nil {
				name = RecoveryMailbox
			}
			out[p.Account+"\x00"+name] = true
		}
	}
	return out
}

// restore adds one message to the mailboxes of its placements.
func (t *txState) restore(e rebuildEntry) error {
	b := &blobValue{Container: e.loc.container, Offset: e.loc.offset, MetaLen: e.loc.metaLen, BodyLen: e.loc.bodyLen, Summary: e.summary}
	for _, p := range e.meta.Placements {
		if p.Account == "" {
			continue
		}
		name, err := CanonicalName(p.Mailbox)
		if err != nil {
			name = RecoveryMailbox
		}
		mb, err := t.mailboxByName(p.Account, name)
		if errors.Is(err, ErrNoMailbox) {
			mb, err = t.createMailbox(p.Account, name, true, "")
		}
		if err != nil {
			return err
		}
		uid := mb.UIDNext
		mb.UIDNext++
		mb.HighestModSeq++
		v := &messageValue{Flags: p.Flags & flagsKnown, ModSeq: mb.HighestModSeq, Date: e.meta.InternalDate, TZ: e.meta.TZOffset,
			Size: int64(e.loc.bodyLen), GUID: e.guid, Keywords: normKeywords(p.Keywords)}
		if err := t.tx.Bucket(bucketMessages).Put(messageKey(mb.ID, uid), v.encode()); err != nil {
			return err
		}
	}
	return t.tx.Bucket(bucketBlobs).Put(e.guid[:], b.encode())
}
