// Command imapbench is scripts/bench/imap.sh's client and helper: it
// speaks IMAP and POP3 raw over TCP, the same bytes to axd and to
// Dovecot, and measures each server alike.
//
//	imapbench ports --n N
//	imapbench fill --data-dir DIR --account EMAIL:COUNT:SIZE...
//	imapbench fetch  --target NAME=ADDR... --user U --pass P --batch 500 --size BYTES --rounds R
//	imapbench select --target NAME=ADDR... --user U --pass P --rounds R
//	imapbench pop3   --target NAME=ADDR... --user U --pass P --depth D --rounds R
//	imapbench append --target NAME=ADDR... --users U1,U2,... --pass P --messages N --size BYTES --rounds R
//	imapbench idle   --addr ADDR --user U --pass P --conns N (--pid PID | --ppid PID --comm NAME)
//
// ports prints N free TCP ports on 127.0.0.1. fill appends generated
// messages (scripts/bench/internal/benchmsg, the bytes mailgen writes for
// Dovecot) to the INBOX of each account of an axd data dir, offline,
// flagged \Seen as mailgen's Maildir files are.
//
// fetch, select, pop3 and append run their rounds interleaved over the
// targets (round 1: axd, dovecot; round 2: axd, dovecot; ...) and print
// "key value" lines: per target the median of the rounds and the samples.
// idle holds N connections, each after LOGIN and SELECT INBOX, and prints
// what they cost the server in memory: the growth of one process's RSS
// and PSS (--pid, axd), or the sum over the processes of a given name
// under a parent (--ppid and --comm: Dovecot's imap processes).
//
// Every reply is checked: a NO or BAD, a FETCH count or literal size that
// differs from what was stored, a short POP3 message end the run with an
// error rather than a figure.
package main
