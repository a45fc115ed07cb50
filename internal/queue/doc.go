// Package queue is the durable queue of messages for remote recipients:
// what authenticated submission accepted and the outbound side has not yet
// delivered. It stores and lists messages; it does not deliver, schedule
// or bounce them, and it parses neither addresses nor message bodies (the
// SMTP session did that).
//
// # On-disk layout
//
//	<data_dir>/queue/.lock          flock held by the process that has the queue open
//	<data_dir>/queue/<id>.msg       one file per queued message
//	<data_dir>/queue/<id>.tmp       a message being written (removed by Open)
//	<data_dir>/queue/corrupt/       files Open found damaged, kept for inspection
//
// <id> is sixteen hex digits of the creation time in Unix nanoseconds and
// eight random hex digits: unique, and sorted by name is sorted by age.
// A message file is a 28-byte header (magic "AXQM", format version, the
// envelope and body lengths, a CRC32C over envelope and body, and a CRC32C
// of the header itself; see format.go), the envelope encoded with
// internal/binenc (ID, creation time, reverse-path, recipients with their
// DSN parameters, RET, ENVID, account, client IP, attempts, next attempt,
// last error), then the message body as received.
//
// # Durability invariants
//
//   - Enqueue writes <id>.tmp, fsyncs it, renames it to <id>.msg and
//     fsyncs the directory; only then does it return. A nil error is the
//     acknowledgement the SMTP session turns into its 250.
//   - An <id>.msg file is therefore always complete. A <id>.tmp file was
//     never acknowledged, and Open deletes it.
//   - Remove deletes the file and fsyncs the directory before it returns.
//   - Open never deletes a message file. One that fails its checks (magic,
//     version, header checksum, lengths against the file size, body
//     checksum, envelope decoding, ID against the name) is logged and moved
//     to corrupt/; any other file is logged and left where it is.
//   - Reading is bounded: the header's lengths are checked against fixed
//     limits and the file's size before anything is allocated, the envelope
//     is at most 4 MiB, and bodies are streamed through the checksum, never
//     held whole. Body checks the checksum again when its reader reaches
//     the end.
//
// # Locking
//
// One process has a queue directory open at a time: Open takes an
// exclusive, non-blocking flock on .lock (ErrLocked otherwise), and Close
// releases it. Within the process a mutex guards the in-memory index that
// List, Get and Len read; the file writes and fsyncs of Enqueue run outside
// it, so concurrent enqueues overlap their I/O.
package queue
