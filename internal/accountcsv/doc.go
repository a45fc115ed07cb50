// Package accountcsv reads the CSV files of bulk account provisioning
// (axctl import): a header row naming the columns, then one account per
// row. It parses untrusted input and checks each row as far as it can
// without the directory, so that a bad row is rejected with a reason that
// names its line and column, and a bad file with one that names the
// problem. It does no I/O besides reading, and never holds more than one
// record: a file of any size streams through it.
//
// # Format
//
// RFC 4180 as encoding/csv reads it with its defaults: fields separated by
// commas, quoted fields holding commas, quotes (doubled) and line breaks,
// CRLF or LF line ends. On top of that, a UTF-8 byte order mark at the
// start is skipped, and lines that are empty or hold only spaces and tabs
// are skipped.
//
// Columns, named in any case with surrounding spaces ignored: email
// (required), password or password_hash (not both), quota and
// max_message_size (a size: bytes, or a number with K, M, G, T, powers of
// 1024; 0 unlimited), display_name, enabled (true, false, yes, no, 1, 0)
// and aliases (separated by semicolons). An empty value leaves the
// setting unset: a new account inherits it, an existing one keeps its own.
// Columns whose name starts with "_" are ignored, so a rejects file, which
// adds _line and _reason, re-imports once fixed.
//
// # What is a file error, what is a row rejection
//
// A *FileError stops the reading: no header, a header naming an unknown
// column, twice the same column, no email column, both password columns,
// a quoted field still open at the end of the file (it swallowed every
// line after it), or a read error. Everything else rejects the row alone
// and reading goes on at the next record: a wrong number of fields,
// misplaced quotes (the record ends at the end of its line, as
// encoding/csv ends it), a record longer than Options.MaxRecordBytes
// (skipped to its end without being held), bytes that are not UTF-8, an
// invalid address, a second row for an address (the first wins), and
// values that do not parse. Rows pass the rest (unknown domains, hash
// schemes, existing accounts) to the daemon.
//
// Plaintext passwords are kept in a Password, which redacts itself when
// printed or logged; Row.Fields holds the record as read, for a rejects
// file, and so holds them too.
package accountcsv
