#!/usr/bin/env bash
# smtp.sh runs the SMTP-in benchmark of issue 4: axd beside Postfix
# delivering over LMTP into Dovecot mdbox, in the same run, and prints one
# table with ratios and PASS/MISS (docs/BENCHMARKS.md, section "SMTP in
# (issue 4)", says what each figure measures):
#
#   1. throughput end to end: Postfix's smtp-source sends 20,000 messages
#      of 8 KiB over 16 connections to 100 local users, timed from the
#      first connect until every message is readable in its mailbox: for
#      Postfix+Dovecot, until the queue is empty (a queue file goes only
#      after Dovecot's LMTP 250, which follows its fsync), confirmed by a
#      doveadm count; for axd, until the last 250 (given after the store's
#      fsync), confirmed by the store's count through the control API.
#      The same client against Postfix's smtp-sink, which stores nothing,
#      is the client's ceiling. Target: axd >= 8x Postfix+Dovecot.
#      Beside the wall clock, which the machine's other load moves, the
#      CPU time (user + system) of the server side over the run, per 1,000
#      messages: axd's process; Postfix's master and Dovecot's, with every
#      process under them (smtpd, cleanup, qmgr, lmtp, Dovecot's lmtp...).
#   2. DATA->250 latency, p50/p99/max, of a Go client (smtpbench latency)
#      sending a bounded number of messages over 16 kept connections.
#   3. memory per idle SMTP connection, 1,000 open after EHLO: growth of
#      axd's RSS (and PSS) against the sum of the PSS of Postfix's smtpd
#      processes (one per connection), each measured on a fresh server.
#
# smtp-source sends every message to one recipient; with -N it prepends a
# sequence number that restarts in every process, so the load is run as
# MESSAGES/USERS smtp-source processes of USERS messages each (to 1u..
# <USERS>u@bench.test), PROCS of them at a time with SESSIONS/PROCS
# sessions each: SESSIONS connections in all, every user getting the same
# share. Without -d, as in the issue, each message has its own connection.
#
# Postfix and Dovecot run as private instances from the scratch directory
# (their own config, queue, pid and socket paths; Postfix listens on
# 127.0.0.1 and a free port, Dovecot on a unix socket only); the system's
# instances, if any, are not touched. Everything started is stopped by its
# pid on exit and the scratch directory removed. The script exits non-zero
# only when a benchmark cannot run, never for a missed target. It needs go
# (1.26), coreutils, awk, xargs; smtp-source and smtp-sink (Debian's
# postfix), and as root for the peer: postfix, dovecot-core and
# dovecot-lmtpd. Run as root, it apt-get installs what is missing without
# configuring or starting the system's Postfix or Dovecot.
#
# Knobs (environment):
#   BENCH_TMP                   parent of the scratch directory (default /tmp)
#   BENCH_SMTP_MESSAGES         messages of the throughput runs (20000)
#   BENCH_SMTP_SIZE             smtp-source -l, payload bytes (8192)
#   BENCH_SMTP_SESSIONS         connections at a time (16)
#   BENCH_SMTP_USERS            recipients, dividing MESSAGES (100)
#   BENCH_SMTP_PROCS            smtp-source processes at a time, dividing
#                               SESSIONS (4)
#   BENCH_SMTP_LATENCY_MESSAGES messages of the latency runs (4000)
#   BENCH_SMTP_IDLE             idle connections of the memory runs (1000)
#   BENCH_SMTP_TIMEOUT          seconds any one run may take at most (900)
#   BENCH_SKIP_POSTFIX=1        leave out Postfix+Dovecot (smtp-sink stays)
set -euo pipefail

MESSAGES=${BENCH_SMTP_MESSAGES:-20000}
SIZE=${BENCH_SMTP_SIZE:-8192}
SESSIONS=${BENCH_SMTP_SESSIONS:-16}
USERS=${BENCH_SMTP_USERS:-100}
PROCS=${BENCH_SMTP_PROCS:-4}
LAT_N=${BENCH_SMTP_LATENCY_MESSAGES:-4000}
IDLE=${BENCH_SMTP_IDLE:-1000}
TIMEOUT=${BENCH_SMTP_TIMEOUT:-900}
SKIP_POSTFIX=${BENCH_SKIP_POSTFIX:-0}
DOMAIN=bench.test

script_start=$(date +%s)
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
# shellcheck source=scripts/bench/lib.sh
. scripts/bench/lib.sh


((MESSAGES > 0 && USERS > 0 && MESSAGES % USERS == 0)) || die "BENCH_SMTP_MESSAGES ($MESSAGES) must be a positive multiple of BENCH_SMTP_USERS ($USERS)"
((PROCS > 0 && SESSIONS % PROCS == 0)) || die "BENCH_SMTP_PROCS ($PROCS) must divide BENCH_SMTP_SESSIONS ($SESSIONS)"
JOBS=$((MESSAGES / USERS))
PER_PROC=$((SESSIONS / PROCS))

# --- dependencies -----------------------------------------------------------

command -v go >/dev/null || die "go is required (the module wants Go 1.26; Debian's golang is older): install it from go.dev"
for tool in awk xargs seq find mktemp timeout nproc; do
	command -v "$tool" >/dev/null || die "$tool is required"
done
export PATH="$PATH:/usr/sbin:/sbin"
packages=()
command -v smtp-source >/dev/null && command -v smtp-sink >/dev/null || packages+=(postfix)
if [[ $SKIP_POSTFIX != 1 ]]; then
	[[ $(id -u) == 0 ]] || die "the Postfix+Dovecot peer runs as root (its master drops privileges): run as root, or set BENCH_SKIP_POSTFIX=1"
	command -v postfix >/dev/null || packages+=(postfix)
	command -v dovecot >/dev/null && command -v doveadm >/dev/null || packages+=(dovecot-core)
	[[ -x /usr/lib/dovecot/lmtp ]] || packages+=(dovecot-lmtpd)
fi
if ((${#packages[@]})); then
	mapfile -t packages < <(printf '%s\n' "${packages[@]}" | sort -u)
	[[ $(id -u) == 0 ]] || die "missing: ${packages[*]}; apt-get install them as root"
	# Postfix's postinst would configure and start the system's instance:
	# "No configuration" leaves it unconfigured.
	echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections
	apt_install "${packages[@]}"
fi

# --- scratch directory; everything started is stopped on exit ----------------

T=$(mktemp -d "${BENCH_TMP:-/tmp}/axsmtp.XXXXXX")
chmod 755 "$T" # Postfix's and Dovecot's unprivileged processes work below it
PF=$T/postfix
DV=$T/dovecot
AX=$T/axd
sink_pid="" axd_pid="" postfix_started=0 dovecot_started=0

# stop_pid PID: SIGTERM, then SIGKILL after 30 s; PID need not be a child.
stop_postfix() {
	[[ $postfix_started == 1 ]] || return 0
	postfix_started=0
	local pid
	pid=$(tr -d ' ' <"$PF/queue/pid/master.pid" 2>/dev/null) || pid=""
	postfix -c "$PF/etc" stop >/dev/null 2>&1 || true
	[[ -n $pid ]] && stop_pid "$pid"
}
stop_dovecot() {
	[[ $dovecot_started == 1 ]] || return 0
	dovecot_started=0
	local pid
	pid=$(cat "$DV/run/master.pid" 2>/dev/null) || pid=""
	[[ -n $pid ]] && stop_pid "$pid"
}
cleanup() {
	[[ -n $sink_pid ]] && stop_pid "$sink_pid"
	[[ -n $axd_pid ]] && stop_pid "$axd_pid"
	stop_postfix
	stop_dovecot
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log "scratch directory $T"


rev=$(bench_rev)
log "building axd, axctl and smtpbench"
mkdir -p "$T/bin"
go build -o "$T/bin/" ./cmd/axd ./cmd/axctl ./scripts/bench/smtpbench
BIN=$T/bin

mapfile -t ports < <("$BIN/smtpbench" ports --n 3)
sink_port=${ports[0]} postfix_port=${ports[1]} axd_port=${ports[2]}


# load NAME PORT: the throughput client, smtp-source as described above;
# fails when any message is refused or a connection fails.
load() {
	log "$1: smtp-source, $MESSAGES messages of $SIZE bytes over $SESSIONS connections to $USERS users (load average $(loadavg))"
	R[$1.load_before]=$(loadavg)
	local rc=0
	seq "$JOBS" | timeout "$TIMEOUT" xargs -P "$PROCS" -I{} \
		smtp-source -4 -s "$PER_PROC" -m "$USERS" -N -l "$SIZE" -M bench.client -f bench@bench.client \
		-t "u@$DOMAIN" "127.0.0.1:$2" 2>"$T/$1.source.err" || rc=$?
	if [[ $rc != 0 ]]; then
		head -20 "$T/$1.source.err" >&2
		die "$1: smtp-source failed (xargs exit $rc)"
	fi
}

# --- 1. the client's ceiling: smtp-sink ------------------------------------------

log "1. smtp-sink on 127.0.0.1:$sink_port"
sink_user=()
[[ $(id -u) == 0 ]] && sink_user=(-u nobody) # smtp-sink refuses to run as root
smtp-sink -4 "${sink_user[@]}" "127.0.0.1:$sink_port" 1024 >"$T/sink.log" 2>&1 &
sink_pid=$!
wait_port "$sink_port" 10 || die "smtp-sink does not listen: $(cat "$T/sink.log")"
t0=$(now)
load sink "$sink_port"
t1=$(now)
R[sink.seconds]=$(calc "$t1 - $t0")
R[sink.rate]=$(calc "$MESSAGES / ${R[sink.seconds]}")
stop_pid "$sink_pid"
wait "$sink_pid" 2>/dev/null || true
sink_pid=""

# --- 2. Postfix delivering over LMTP into Dovecot mdbox -------------------------

# queued PATH: whether any message is still in the Postfix queue at PATH.
queued() {
	[[ -n $(find "$1/incoming" "$1/active" "$1/deferred" "$1/hold" "$1/maildrop" -type f -print -quit 2>/dev/null) ]]
}
dovecot_count() {
	doveadm -c "$DV/dovecot.conf" -f tab mailbox status -A messages INBOX | awk 'NR > 1 { s += $3 } END { print s + 0 }'
}

if [[ $SKIP_POSTFIX != 1 ]]; then
	R[postfix.version]=$(postconf -d -h mail_version 2>/dev/null || echo "?")
	R[dovecot.version]=$(dovecot --version 2>/dev/null | cut -d' ' -f1 || echo "?")
	log "2. Postfix ${R[postfix.version]} on 127.0.0.1:$postfix_port, LMTP into Dovecot ${R[dovecot.version]} mdbox"
	mkdir -p "$DV/run" "$DV/state" "$DV/mail" "$PF/etc" "$PF/queue" "$PF/data"
	chown mail:mail "$DV/mail"
	chown postfix: "$PF/data"
	for ((i = 1; i <= USERS; i++)); do
		printf '%du@%s:::::\n' "$i" "$DOMAIN"
	done >"$DV/users"
	# Dovecot's defaults otherwise: mail_fsync = optimized, info logging.
	cat >"$DV/dovecot.conf" <<EOF
base_dir = $DV/run
state_dir = $DV/state
log_path = $DV/dovecot.log
ssl = no
protocols = lmtp
listen = 127.0.0.1
mail_location = mdbox:$DV/mail/%n
mail_uid = mail
mail_gid = mail
first_valid_uid = 1
first_valid_gid = 1
passdb {
  driver = passwd-file
  args = $DV/users
}
userdb {
  driver = passwd-file
  args = $DV/users
  default_fields = home=$DV/mail/%n
}
service lmtp {
  unix_listener lmtp {
    mode = 0666
  }
}
EOF
	dovecot -c "$DV/dovecot.conf" || die "dovecot did not start: $(cat "$DV/dovecot.log" 2>/dev/null)"
	dovecot_started=1
	for ((i = 0; i < 100; i++)); do
		[[ -S $DV/run/lmtp ]] && break
		sleep 0.1
	done
	[[ -S $DV/run/lmtp ]] || die "dovecot's LMTP socket did not appear: $(cat "$DV/dovecot.log")"
	# Open every INBOX once, which creates it, as on a server whose users
	# exist: concurrent first deliveries into a missing mdbox INBOX race
	# (451 "Mailbox already exists", a lost LMTP connection), and Postfix
	# then defers them for minutes.
	[[ $(dovecot_count) == 0 ]] || die "doveadm cannot read the new mailboxes"

	for ((i = 1; i <= USERS; i++)); do
		printf '%du@%s OK\n' "$i" "$DOMAIN"
	done >"$PF/etc/vmailbox"
	# Postfix's defaults otherwise; the process limit is raised for the
	# idle connections (one smtpd process each), and the per-client
	# connection limit lifted, all connections coming from 127.0.0.1.
	cat >"$PF/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $PF/queue
data_directory = $PF/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $PF/maillog
maillog_file_prefixes = $PF
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = postfix.bench.localhost
mydestination =
mynetworks = 127.0.0.0/8
virtual_mailbox_domains = $DOMAIN
virtual_mailbox_maps = texthash:$PF/etc/vmailbox
virtual_transport = lmtp:unix:$DV/run/lmtp
default_process_limit = $((IDLE + SESSIONS + 100))
smtpd_client_connection_count_limit = 0
biff = no
EOF
	# Debian's master.cf services, not chrooted (the queue is not under
	# /var/spool/postfix), and the SMTP server on our port alone.
	cat >"$PF/etc/master.cf" <<EOF
$postfix_port inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
	postfix_started=1
	postfix -c "$PF/etc" start >&2 || die "postfix did not start: $(tail -5 "$PF/maillog" 2>/dev/null)"
	wait_port "$postfix_port" 30 || die "postfix does not listen on $postfix_port: $(tail -5 "$PF/maillog")"
	master_pid=$(tr -d ' ' <"$PF/queue/pid/master.pid")

	log "2a. Postfix: $IDLE idle connections on a fresh server"
	"$BIN/smtpbench" idle --addr "127.0.0.1:$postfix_port" --conns "$IDLE" --ppid "$master_pid" --comm smtpd \
		--prefix postfix.idle >"$T/postfix.idle" || die "idle connections to Postfix failed"
	collect "$T/postfix.idle"

	log "2b. Postfix+Dovecot throughput"
	peer_pids=("$master_pid" "$(cat "$DV/run/master.pid")")
	cpu0=$("$BIN/smtpbench" cpu "${peer_pids[@]}")
	t0=$(now)
	load postfix "$postfix_port"
	t_sent=$(now)
	deadline=$(($(date +%s) + TIMEOUT))
	while queued "$PF/queue"; do
		(($(date +%s) < deadline)) || die "Postfix's queue not empty after ${TIMEOUT}s: $(tail -3 "$PF/maillog")"
		if [[ -n $(find "$PF/queue/deferred" -type f -print -quit) ]]; then
			die "Postfix deferred messages: $(grep -m3 'status=deferred' "$PF/maillog")"
		fi
		sleep 0.1
	done
	t1=$(now)
	cpu1=$("$BIN/smtpbench" cpu "${peer_pids[@]}")
	stored=$(dovecot_count)
	[[ $stored == "$MESSAGES" ]] || die "Postfix's queue is empty but Dovecot holds $stored messages, want $MESSAGES: $(grep -m3 'status=bounced' "$PF/maillog")"
	R[postfix.seconds]=$(calc "$t1 - $t0")
	R[postfix.sent_seconds]=$(calc "$t_sent - $t0")
	R[postfix.rate]=$(calc "$MESSAGES / ${R[postfix.seconds]}")
	R[postfix.stored]=$stored
	R[postfix.cpu_per_k]=$(calc "($cpu1 - $cpu0) * 1000 / $MESSAGES")

	log "2c. Postfix: DATA->250 latency, $LAT_N messages over $SESSIONS connections"
	"$BIN/smtpbench" latency --addr "127.0.0.1:$postfix_port" --messages "$LAT_N" --conns "$SESSIONS" --size "$SIZE" \
		--users "$USERS" --domain "$DOMAIN" --prefix postfix.latency --timeout "${TIMEOUT}s" >"$T/postfix.latency" ||
		die "latency run against Postfix failed"
	collect "$T/postfix.latency"
	log "stopping Postfix and Dovecot"
	stop_postfix
	stop_dovecot
	rm -rf "$PF" "$DV"
fi

# --- 3. axd -----------------------------------------------------------------------

log "3. axd on 127.0.0.1:$axd_port"
mkdir -p "$AX"
{
	printf 'data_dir: %s\nmetrics:\n  listen: ""\nlisteners:\n' "$AX/data"
	for l in smtp submission submissions lmtp imap imaps pop3 pop3s; do
		listen='""'
		[[ $l == smtp ]] && listen=127.0.0.1:$axd_port
		printf '  %s:\n    listen: %s\n' "$l" "$listen"
	done
	printf 'services:\n  smtp:\n    max_sessions: %d\n' $((IDLE + SESSIONS + 100))
} >"$AX/axd.yaml"
"$BIN/axd" --config "$AX/axd.yaml" >"$AX/axd.log" 2>&1 &
axd_pid=$!
axctl() { "$BIN/axctl" --socket "$AX/data/control.sock" "$@"; }
for ((i = 0; i < 200; i++)); do
	axctl status >/dev/null 2>&1 && break
	kill -0 "$axd_pid" 2>/dev/null || die "axd exited: $(tail -5 "$AX/axd.log")"
	sleep 0.05
done
axctl status >/dev/null || die "axd does not answer: $(tail -5 "$AX/axd.log")"
wait_port "$axd_port" 10 || die "axd does not listen on $axd_port: $(tail -5 "$AX/axd.log")"
{
	echo "email,password_hash"
	# {SHA512-CRYPT} of "secret": pre-hashed, so the import hashes nothing.
	for ((i = 1; i <= USERS; i++)); do
		printf '%du@%s,%s\n' "$i" "$DOMAIN" '{SHA512-CRYPT}$6$Vf96IiH55YE4tVQ6$WuGSXGK71TjoJcT97CAfwK0ZmVgZlMzQKoPK4QrEfy1TwYh9F12WyVRCNFrEcq8tXRqHnvBCdpBtwD7g8CTGN/'
	done
} >"$AX/accounts.csv"
axctl --quiet import --create-domains "$AX/accounts.csv" >&2 || die "axctl import of $USERS accounts failed"

log "3a. axd: $IDLE idle connections on a fresh server"
"$BIN/smtpbench" idle --addr "127.0.0.1:$axd_port" --conns "$IDLE" --pid "$axd_pid" --prefix axd.idle >"$T/axd.idle" ||
	die "idle connections to axd failed: $(tail -3 "$AX/axd.log")"
collect "$T/axd.idle"

log "3b. axd throughput"
cpu0=$("$BIN/smtpbench" cpu "$axd_pid")
t0=$(now)
load axd "$axd_port"
t1=$(now)
cpu1=$("$BIN/smtpbench" cpu "$axd_pid")
stored=$("$BIN/smtpbench" count --socket "$AX/data/control.sock" --users "$USERS" --domain "$DOMAIN")
[[ $stored == "$MESSAGES" ]] || die "every message got its 250 but axd's store holds $stored, want $MESSAGES"
R[axd.seconds]=$(calc "$t1 - $t0")
R[axd.rate]=$(calc "$MESSAGES / ${R[axd.seconds]}")
R[axd.stored]=$stored
R[axd.cpu_per_k]=$(calc "($cpu1 - $cpu0) * 1000 / $MESSAGES")

log "3c. axd: DATA->250 latency, $LAT_N messages over $SESSIONS connections"
"$BIN/smtpbench" latency --addr "127.0.0.1:$axd_port" --messages "$LAT_N" --conns "$SESSIONS" --size "$SIZE" \
	--users "$USERS" --domain "$DOMAIN" --prefix axd.latency --timeout "${TIMEOUT}s" >"$T/axd.latency" ||
	die "latency run against axd failed: $(tail -3 "$AX/axd.log")"
collect "$T/axd.latency"
R[axd.hwm_kib]=$(awk '/^VmHWM:/ { print $2 }' "/proc/$axd_pid/status")
kill -TERM "$axd_pid"
wait "$axd_pid" || die "axd exited non-zero on SIGTERM: $(tail -5 "$AX/axd.log")"
axd_pid=""

# --- the table ----------------------------------------------------------------------

verdict() { # VALUE TARGET -> PASS when VALUE >= TARGET
	awk -v v="$1" -v t="$2" 'BEGIN { print (v >= t ? "PASS" : "MISS") }'
}
row() { printf '%-40s %-20s %-30s %8s  %-8s %s\n' "$@"; }
kib() { fmt "$(calc "$1 / 1024")" 1; }
elapsed=$(($(date +%s) - script_start))

echo
echo "axmail SMTP in, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, commit $rev, load average $(loadavg)"
row "benchmark" "axmail" "peer" "ratio" "target" "result"
row "---------" "------" "----" "-----" "------" "------"
name="$MESSAGES x $SIZE B, $SESSIONS conns, $USERS users"
if [[ $SKIP_POSTFIX != 1 ]]; then
	ratio=$(calc "${R[axd.rate]} / ${R[postfix.rate]}")
	row "$name" "$(fmt "${R[axd.rate]}" 0) msg/s" "Postfix+Dovecot $(fmt "${R[postfix.rate]}" 0) msg/s" \
		"$(fmt "$ratio")x" ">= 8x" "$(verdict "$ratio" 8)"
else
	row "$name" "$(fmt "${R[axd.rate]}" 0) msg/s" "(Postfix skipped)" "-" ">= 8x" "-"
fi
row "  client ceiling (smtp-sink)" "-" "smtp-sink $(fmt "${R[sink.rate]}" 0) msg/s" \
	"$(fmt "$(calc "${R[axd.rate]} / ${R[sink.rate]}")")x" "-" "(info)"
peer_lat="-" peer_mem="-" mem_ratio="-" peer_cpu="-" cpu_ratio="-"
if [[ $SKIP_POSTFIX != 1 ]]; then
	peer_cpu="Postfix+Dovecot $(fmt "${R[postfix.cpu_per_k]}") s"
	cpu_ratio="$(fmt "$(calc "${R[postfix.cpu_per_k]} / ${R[axd.cpu_per_k]}")")x"
	peer_lat="Postfix $(fmt "${R[postfix.latency.p99_ms]}" 1) ms"
	peer_mem="Postfix $(kib "${R[postfix.idle.pss_per_conn]}") KiB PSS"
	mem_ratio="$(fmt "$(calc "${R[postfix.idle.pss_per_conn]} / ${R[axd.idle.rss_per_conn]}")" 1)x"
fi
row "  server CPU per 1000 messages" "$(fmt "${R[axd.cpu_per_k]}") s" "$peer_cpu" "$cpu_ratio" "-" "(info)"
row "DATA->250 p99, $LAT_N msgs, $SESSIONS conns" "$(fmt "${R[axd.latency.p99_ms]}" 1) ms" "$peer_lat" "-" "-" "(info)"
row "memory per idle conn, $IDLE open" "$(kib "${R[axd.idle.rss_per_conn]}") KiB RSS" "$peer_mem" "$mem_ratio" "-" "(info)"
echo
echo "details:"
echo "  load: $JOBS smtp-source processes of $USERS messages (-N), $PROCS at a time with $PER_PROC sessions each; a connection per message"
echo "  smtp-sink: $MESSAGES in $(fmt "${R[sink.seconds]}") s (load average before: ${R[sink.load_before]})"
if [[ $SKIP_POSTFIX != 1 ]]; then
	echo "  Postfix ${R[postfix.version]} + Dovecot ${R[dovecot.version]} mdbox: $MESSAGES readable in $(fmt "${R[postfix.seconds]}") s, smtp-source done after $(fmt "${R[postfix.sent_seconds]}") s; doveadm counts ${R[postfix.stored]} (load average before: ${R[postfix.load_before]})"
	echo "  Postfix latency: ${R[postfix.latency.messages]} messages at $(fmt "${R[postfix.latency.rate]}" 0) msg/s, DATA->250 p50 $(fmt "${R[postfix.latency.p50_ms]}" 1) ms p99 $(fmt "${R[postfix.latency.p99_ms]}" 1) ms max $(fmt "${R[postfix.latency.max_ms]}" 1) ms"
	echo "  Postfix idle: ${R[postfix.idle.conns]} connections, ${R[postfix.idle.procs]} smtpd processes, PSS $(kib "${R[postfix.idle.pss_per_conn]}") KiB and RSS $(kib "${R[postfix.idle.rss_per_conn]}") KiB per connection"
fi
echo "  axd: $MESSAGES stored in $(fmt "${R[axd.seconds]}") s, the store counts ${R[axd.stored]} (load average before: ${R[axd.load_before]}); peak RSS (VmHWM) $(kib "$(calc "${R[axd.hwm_kib]} * 1024")") KiB"
echo "  axd latency: ${R[axd.latency.messages]} messages at $(fmt "${R[axd.latency.rate]}" 0) msg/s, DATA->250 p50 $(fmt "${R[axd.latency.p50_ms]}" 1) ms p99 $(fmt "${R[axd.latency.p99_ms]}" 1) ms max $(fmt "${R[axd.latency.max_ms]}" 1) ms"
echo "  axd idle: ${R[axd.idle.conns]} connections, RSS $(kib "${R[axd.idle.rss_before]}") -> $(kib "${R[axd.idle.rss_after]}") KiB, per connection RSS $(kib "${R[axd.idle.rss_per_conn]}") KiB PSS $(kib "${R[axd.idle.pss_per_conn]}") KiB"
echo "  total time: ${elapsed} s"
