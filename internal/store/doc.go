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
// followed by records (record.go); the active one is zero-filled ahead of
// its appends, so that their fdatasync need not commit the file system's
// journal (zerofill.go), and cut back to its records when it stops being
// active. Each record is self-describing: magic,
// kind, lengths, message GUID, the (account, mailbox) placements it was
// delivered to, and a CRC32C over header, meta and body, so the containers
// alone are enough to rebuild the index (check.go, rebuild.go).
//
// # Durability invariants
//
//   - Only one container is active (appended to) at a time; every other one is
//     sealed and never written again, except by compaction, which writes new
//     containers and deletes old ones.
//   - An append is acknowledged only after its record is fdatasynced, with
//     a commit record (KindCommit) that closes its group and names the UID
//     each placement received. The active container is the log: the index
//     transaction that references the group commits later, for many groups
//     at once (pending.go: idle 2 ms, at most 100 ms or 256 groups), so an
//     append costs one fdatasync, not three. Concurrent appends share one
//     write and one fsync (groupcommit.go).
//   - The index records, per container, the committed length. At open, the
//     complete groups past it in the active container are indexed again
//     with the UIDs their commit records name (replay.go); what follows the
//     last complete group belongs to an unacknowledged batch or a torn
//     write and is cut. A group that created a mailbox (whose UIDVALIDITY
//     a replay could not repeat) is acknowledged only after its index
//     commit, and a replay stops before one.
//   - Every read and write of the index first waits for the acknowledged
//     groups to be committed (settle), so callers see what they were told
//     is stored; FindMailbox and UsageEstimate do not wait, for callers
//     that need no counters. Watchers hear of a group when it is
//     acknowledged.
//   - A container file is deleted only by compaction, after the index
//     transaction that moved its live records has committed, and only as told
//     by the compaction intent kept in the index (compact.go). A file the
//     index does not know is reported, never deleted, except one no longer
//     than a header whose id the index handed out: a crash left it between
//     allocating the id and registering the file, and it holds no record.
//   - A message whose last reference goes is queued for a tombstone in the
//     same transaction (bucket tombqueue); the tombstone reaches a container
//     with a later batch, so a rebuild never brings the message back.
//   - Change notifications are published after the commit (for appends,
//     after their group's fdatasync), never before.
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
