// Package store is axmail's message store: append-only container files that
// hold message bytes, and a transactional index (bbolt) that holds mailboxes,
// messages, flags and where each message's bytes live.
//
// # On-disk layout
//
//	<data_dir>/axd.lock            flock held by axd or an offline axcompact
//	<data_dir>/index.db            bbolt index (see index.go for the buckets)
//	<path>/containers/<ddd>/<id>.axc
//
// <path> is each entry of Options.Paths (default: the data dir), <ddd> is
// id modulo Options.Dirs in three hex digits and <id> is the container id in
// sixteen hex digits. A container starts with a 64-byte header (container.go)
// followed by records (record.go). Each record is self-describing: magic,
// kind, lengths, message GUID, the (account, mailbox) placements it was
// delivered to, and a CRC32C over header, meta and body, so the containers
// alone are enough to rebuild the index (check.go, rebuild.go).
//
// # Durability invariants
//
//   - Only one container is active (appended to) at a time; every other one is
//     sealed and never written again, except by compaction, which writes new
//     containers and deletes old ones.
//   - An append is acknowledged only after its record is fdatasynced and the
//     index transaction that references it is committed (bbolt fsyncs).
//     Concurrent appends share one write, one fsync and one transaction
//     (groupcommit.go).
//   - The index records, per container, the committed length. Bytes beyond it
//     in the active container belong to an unacknowledged batch or a torn
//     write and are cut on open.
//   - A container file is deleted only by compaction, after the index
//     transaction that moved its live records has committed, and only as told
//     by the compaction intent kept in the index (compact.go). A file the
//     index does not know is reported, never deleted, except one no longer
//     than a header whose id the index handed out: a crash left it between
//     allocating the id and registering the file, and it holds no record.
//   - A message whose last reference goes is queued for a tombstone in the
//     same transaction (bucket tombqueue); the tombstone reaches a container
//     with a later batch, so a rebuild never brings the message back.
//   - Change notifications are published after the commit, never before.
//
// # Locking
//
// Store methods are safe for concurrent use. Index writes are serialised by
// bbolt; message appends go through a single committer goroutine. The hot
// mailbox cache has its own lock, taken after a transaction commits. The
// data-dir lock (Lock) keeps a second process out; Open does not take it.
//
// The store must not parse protocol input, know about accounts beyond their
// names, or enforce policy other than the quota limits a caller passes in.
package store
