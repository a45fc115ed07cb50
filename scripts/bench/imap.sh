#!/usr/bin/env bash
# imap.sh runs the IMAP and POP3 benchmarks of issue 5: axd beside a
# private Dovecot (mdbox), both holding the same messages, in the same run,
# and prints one table with ratios and PASS/MISS (docs/BENCHMARKS.md,
# section "IMAP and POP3 (issue 5)", says what each figure measures):
#
#   1. FETCH 1:* BODY.PEEK[] of a 20,000-message mailbox of 8 KiB, in
#      batches of 500: messages/s and MB/s (target >= 1x Dovecot);
#   2. SELECT of a 100,000-message mailbox on a fresh session, and FETCH
#      1:* (UID FLAGS) after it: latency (target <= Dovecot's);
#   3. POP3 RETR of a 5,000-message maildrop, one command at a time and
#      16 in flight (target >= 1x Dovecot for both);
#   4. APPEND of 20,000 messages of 8 KiB over 4 connections, one account
#      each (target >= 3x Dovecot);
#   5. memory per idle IMAP connection, 2,000 open, each logged in with
#      INBOX selected: growth of axd's RSS / 2,000 against the sum of the
#      PSS of Dovecot's imap processes / 2,000 (target <= 1/10).
#
# One Go client, scripts/bench/imapbench, speaks IMAP and POP3 raw to both
# servers and runs the rounds of 1-4 interleaved (axd, Dovecot, axd,
# Dovecot...), printing medians. The memory benchmark runs first, on
# freshly started servers.
#
# axd runs on a scratch data dir filled offline by imapbench fill (the
# messages of scripts/bench/internal/benchmsg), its accounts imported with
# axctl, IMAP and POP3 on free 127.0.0.1 ports. Dovecot runs as a private
# instance (dovecot -c scratch.conf: base_dir, state and mail under the
# scratch directory, imap and pop3 on free 127.0.0.1 ports, passwd-file
# users, mdbox) filled by doveadm import from Maildirs that
# scripts/bench/mailgen writes with the same generator. Both check the
# same {SHA512-CRYPT} hash at LOGIN. Everything started is stopped by its
# pid on exit and the scratch directory removed. The script exits non-zero
# only when a benchmark cannot run, never for a missed target. It needs go
# (1.26), coreutils, awk; for the peer dovecot-core, dovecot-imapd and
# dovecot-pop3d, which it apt-get installs as root when missing, without
# starting the system's Dovecot.
#
# Knobs (environment):
#   BENCH_TMP                   parent of the scratch directory (default /tmp)
#   BENCH_IMAP_FETCH_MESSAGES   messages of the FETCH mailbox (20000)
#   BENCH_IMAP_FETCH_BATCH      messages per FETCH command (500)
#   BENCH_IMAP_SIZE             size of the FETCH, POP3, APPEND and idle
#                               messages (8192)
#   BENCH_IMAP_SELECT_MESSAGES  messages of the SELECT mailbox (100000)
#   BENCH_IMAP_SELECT_SIZE      their size (2048: SELECT and FETCH (UID
#                               FLAGS) read no message; it keeps the fill short)
#   BENCH_IMAP_POP3_MESSAGES    messages of the POP3 maildrop (5000)
#   BENCH_IMAP_POP3_DEPTH       RETR commands in flight when pipelined (16)
#   BENCH_IMAP_APPEND_MESSAGES  messages appended per round (20000)
#   BENCH_IMAP_APPEND_CONNS     connections, one account each (4)
#   BENCH_IMAP_APPEND_SECONDS   a round of appends stops after this long (90)
#   BENCH_IMAP_IDLE             idle connections of the memory benchmark (2000)
#   BENCH_IMAP_IDLE_MESSAGES    messages of the mailbox they select (1000)
#   BENCH_IMAP_ROUNDS           rounds of FETCH and POP3 (3)
#   BENCH_IMAP_SELECT_ROUNDS    rounds of SELECT (5)
#   BENCH_IMAP_APPEND_ROUNDS    rounds of APPEND (2)
#   BENCH_SKIP_DOVECOT=1        axd alone, no ratios
#   BENCH_IMAP_ONLY             the benchmarks to run, a comma list of
#                               memory, fetch, select, pop3, append (all);
#                               only their accounts are created and filled,
#                               and the others' rows read "(not run)"
set -euo pipefail

FETCH_N=${BENCH_IMAP_FETCH_MESSAGES:-20000}
BATCH=${BENCH_IMAP_FETCH_BATCH:-500}
SIZE=${BENCH_IMAP_SIZE:-8192}
SELECT_N=${BENCH_IMAP_SELECT_MESSAGES:-100000}
SELECT_SIZE=${BENCH_IMAP_SELECT_SIZE:-2048}
POP_N=${BENCH_IMAP_POP3_MESSAGES:-5000}
DEPTH=${BENCH_IMAP_POP3_DEPTH:-16}
APPEND_N=${BENCH_IMAP_APPEND_MESSAGES:-20000}
APPEND_CONNS=${BENCH_IMAP_APPEND_CONNS:-4}
APPEND_SECONDS=${BENCH_IMAP_APPEND_SECONDS:-90}
IDLE=${BENCH_IMAP_IDLE:-2000}
IDLE_N=${BENCH_IMAP_IDLE_MESSAGES:-1000}
ROUNDS=${BENCH_IMAP_ROUNDS:-3}
SELECT_ROUNDS=${BENCH_IMAP_SELECT_ROUNDS:-5}
APPEND_ROUNDS=${BENCH_IMAP_APPEND_ROUNDS:-2}
SKIP_DOVECOT=${BENCH_SKIP_DOVECOT:-0}
ONLY=${BENCH_IMAP_ONLY:-memory,fetch,select,pop3,append}
DOMAIN=bench.test
PASS=secret
# {SHA512-CRYPT} of "secret", for both servers: the same hash checked at
# every LOGIN, and nothing hashed while measuring.
HASH='{SHA512-CRYPT}$6$Vf96IiH55YE4tVQ6$WuGSXGK71TjoJcT97CAfwK0ZmVgZlMzQKoPK4QrEfy1TwYh9F12WyVRCNFrEcq8tXRqHnvBCdpBtwD7g8CTGN/'

script_start=$(date +%s)
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
# shellcheck source=scripts/bench/lib.sh
. scripts/bench/lib.sh


for v in FETCH_N BATCH SIZE SELECT_N SELECT_SIZE POP_N DEPTH APPEND_N APPEND_CONNS APPEND_SECONDS IDLE IDLE_N \
	ROUNDS SELECT_ROUNDS APPEND_ROUNDS; do
	[[ ${!v} =~ ^[0-9]+$ && ${!v} -gt 0 ]] || die "$v=${!v}: want a positive integer"
done
# run[NAME] is set for each benchmark of BENCH_IMAP_ONLY.
declare -A run
IFS=, read -ra only <<<"$ONLY"
for b in "${only[@]}"; do
	case $b in
	memory | fetch | select | pop3 | append) run[$b]=1 ;;
	*) die "BENCH_IMAP_ONLY=$ONLY: unknown benchmark \"$b\" (want memory, fetch, select, pop3, append)" ;;
	esac
done
((${#run[@]})) || die "BENCH_IMAP_ONLY is empty"

# --- dependencies -----------------------------------------------------------

command -v go >/dev/null || die "go is required (the module wants Go 1.26; Debian's golang is older): install it from go.dev"
for tool in awk find mktemp nproc; do
	command -v "$tool" >/dev/null || die "$tool is required"
done
export PATH="$PATH:/usr/sbin:/sbin"
if [[ $SKIP_DOVECOT != 1 ]]; then
	packages=()
	command -v dovecot >/dev/null && command -v doveadm >/dev/null || packages+=(dovecot-core)
	[[ -x /usr/lib/dovecot/imap ]] || packages+=(dovecot-imapd)
	[[ -x /usr/lib/dovecot/pop3 ]] || packages+=(dovecot-pop3d)
	if ((${#packages[@]})); then
		[[ $(id -u) == 0 ]] || die "missing: ${packages[*]}; apt-get install them as root, or set BENCH_SKIP_DOVECOT=1"
		apt_install "${packages[@]}"
	fi
fi

# Every idle connection is a descriptor in the client and in axd, and
# Dovecot's master checks its limit against its services' client limits.
need_fds=$((2 * IDLE + 1000))
if (($(ulimit -n) < need_fds)); then
	ulimit -n "$need_fds" 2>/dev/null || die "ulimit -n is $(ulimit -n) (hard $(ulimit -Hn)); BENCH_IMAP_IDLE=$IDLE needs $need_fds"
fi

# --- scratch directory; everything started is stopped on exit ----------------

T=$(mktemp -d "${BENCH_TMP:-/tmp}/aximap.XXXXXX")
chmod 755 "$T" # Dovecot's mail user reads the Maildirs and writes below it
AX=$T/axd
DV=$T/dovecot
axd_pid="" dovecot_pid=""

# stop_pid PID: SIGTERM, then SIGKILL after 30 s; PID need not be a child.
cleanup() {
	[[ -n $axd_pid ]] && stop_pid "$axd_pid"
	[[ -n $dovecot_pid ]] && stop_pid "$dovecot_pid"
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log "scratch directory $T"


rev=$(bench_rev)
log "building axd, axctl, imapbench and mailgen"
mkdir -p "$T/bin"
go build -o "$T/bin/" ./cmd/axd ./cmd/axctl ./scripts/bench/imapbench ./scripts/bench/mailgen
BIN=$T/bin
IB=$BIN/imapbench

mapfile -t ports < <("$IB" ports --n 4)
ax_imap=${ports[0]} ax_pop3=${ports[1]} dv_imap=${ports[2]} dv_pop3=${ports[3]}


# The accounts of the benchmarks that run, the same on both servers:
# COUNT messages of SIZE each.
appenders=()
accounts=()
[[ -n ${run[fetch]:-} ]] && accounts+=("fetch@$DOMAIN:$FETCH_N:$SIZE")
[[ -n ${run[select]:-} ]] && accounts+=("big@$DOMAIN:$SELECT_N:$SELECT_SIZE")
[[ -n ${run[pop3]:-} ]] && accounts+=("pop@$DOMAIN:$POP_N:$SIZE")
[[ -n ${run[memory]:-} ]] && accounts+=("idle@$DOMAIN:$IDLE_N:$SIZE")
if [[ -n ${run[append]:-} ]]; then
	for ((i = 1; i <= APPEND_CONNS; i++)); do
		appenders+=("append$i@$DOMAIN")
	done
	for a in "${appenders[@]}"; do
		accounts+=("$a:0:$SIZE")
	done
fi

# --- axd ----------------------------------------------------------------------

# start_axd: run axd on its scratch data dir, wait until it answers.
start_axd() {
	"$BIN/axd" --config "$AX/axd.yaml" >>"$AX/axd.log" 2>&1 &
	axd_pid=$!
	for ((i = 0; i < 300; i++)); do
		axctl status >/dev/null 2>&1 && break
		kill -0 "$axd_pid" 2>/dev/null || die "axd exited: $(tail -5 "$AX/axd.log")"
		sleep 0.1
	done
	axctl status >/dev/null || die "axd does not answer: $(tail -5 "$AX/axd.log")"
	wait_port "$ax_imap" 10 || die "axd does not listen on $ax_imap: $(tail -5 "$AX/axd.log")"
	wait_port "$ax_pop3" 10 || die "axd does not listen on $ax_pop3: $(tail -5 "$AX/axd.log")"
}
stop_axd() {
	stop_pid "$axd_pid"
	wait "$axd_pid" 2>/dev/null || log "axd exited non-zero on SIGTERM: $(tail -3 "$AX/axd.log")"
	axd_pid=""
}
axctl() { "$BIN/axctl" --socket "$AX/data/control.sock" "$@"; }

mkdir -p "$AX"
# Defaults otherwise (log level info); auth.rehash off so that the first
# LOGIN keeps the {SHA512-CRYPT} hash instead of rehashing to argon2id.
{
	printf 'data_dir: %s\nmetrics:\n  listen: ""\nauth:\n  rehash: false\nlisteners:\n' "$AX/data"
	for l in smtp submission submissions lmtp imap imaps pop3 pop3s; do
		listen='""'
		[[ $l == imap ]] && listen=127.0.0.1:$ax_imap
		[[ $l == pop3 ]] && listen=127.0.0.1:$ax_pop3
		printf '  %s:\n    listen: %s\n' "$l" "$listen"
	done
	printf 'services:\n  imap:\n    max_sessions: %d\n' $((IDLE + 100))
} >"$AX/axd.yaml"
# The accounts first: creating an account removes whatever mailboxes the
# store holds under its name (left by a removed account), so the store is
# filled after, with axd stopped.
log "axd: importing the accounts"
start_axd
{
	echo "email,password_hash"
	for a in "${accounts[@]}"; do
		printf '%s,%s\n' "${a%%:*}" "$HASH"
	done
} >"$AX/accounts.csv"
axctl --quiet import --create-domains "$AX/accounts.csv" >&2 || die "axctl import of the accounts failed"
stop_axd
log "axd: filling its data dir offline: ${accounts[*]}"
fill_args=()
for a in "${accounts[@]}"; do
	fill_args+=(--account "$a")
done
"$IB" fill --data-dir "$AX/data" "${fill_args[@]}" >"$T/fill.out"
collect "$T/fill.out"
start_axd

# --- Dovecot --------------------------------------------------------------------

if [[ $SKIP_DOVECOT != 1 ]]; then
	R[dovecot.version]=$(dovecot --version 2>/dev/null | cut -d' ' -f1 || echo "?")
	log "Dovecot ${R[dovecot.version]}: a private instance on 127.0.0.1:$dv_imap (imap) and :$dv_pop3 (pop3), mdbox"
	mkdir -p "$DV/run" "$DV/state" "$DV/home"
	# Dovecot refuses to access mail as root: as root the mail belongs to
	# the mail user, otherwise to the current user, who then also runs
	# Dovecot's internal and login processes.
	if [[ $(id -u) == 0 ]]; then
		mail_user=mail
		users_conf=""
	else
		mail_user=$(id -un)
		users_conf=$(printf 'default_internal_user = %s\ndefault_login_user = %s\n' "$mail_user" "$mail_user")
	fi
	mail_uid=$(id -u "$mail_user") mail_gid=$(id -g "$mail_user")
	for a in "${accounts[@]}"; do
		u=${a%%:*}
		printf '%s:%s:%s:%s::%s::\n' "$u" "$HASH" "$mail_uid" "$mail_gid" "$DV/home/$u"
	done >"$DV/users"
	chown -R "$mail_user:" "$DV/home"
	limit=$((IDLE + 100))
	# Debian's defaults otherwise (mail_fsync = optimized, mdbox_rotate_size
	# 10M, info logging, one imap process per connection); the limits are
	# raised for the idle connections, mail_max_userip_connections (10 by
	# default) because they all log in as one user from 127.0.0.1.
	cat >"$DV/dovecot.conf" <<EOF
base_dir = $DV/run
state_dir = $DV/state
log_path = $DV/dovecot.log
$users_conf
ssl = no
protocols = imap pop3
listen = 127.0.0.1
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = mdbox:~/mdbox
first_valid_uid = 1
first_valid_gid = 1
default_process_limit = $limit
default_client_limit = $((4 * limit))
mail_max_userip_connections = $limit
passdb {
  driver = passwd-file
  args = $DV/users
}
userdb {
  driver = passwd-file
  args = $DV/users
}
# Login processes in high-performance mode (one per core, many clients
# each) instead of Debian's one per connection: what is measured starts
# after LOGIN, and the idle connections open in half the forks.
service imap-login {
  service_count = 0
  process_min_avail = $(nproc)
  inet_listener imap {
    address = 127.0.0.1
    port = $dv_imap
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  service_count = 0
  process_min_avail = $(nproc)
  inet_listener pop3 {
    address = 127.0.0.1
    port = $dv_pop3
  }
  inet_listener pop3s {
    port = 0
  }
}
service imap {
  process_limit = $limit
}
EOF
	dovecot -c "$DV/dovecot.conf" || die "dovecot did not start: $(tail -5 "$DV/dovecot.log" 2>/dev/null)"
	for ((i = 0; i < 100; i++)); do
		[[ -s $DV/run/master.pid ]] && break
		sleep 0.1
	done
	dovecot_pid=$(cat "$DV/run/master.pid" 2>/dev/null) || die "dovecot wrote no pid: $(tail -5 "$DV/dovecot.log")"
	wait_port "$dv_imap" 10 || die "dovecot does not listen on $dv_imap: $(tail -5 "$DV/dovecot.log")"
	wait_port "$dv_pop3" 10 || die "dovecot does not listen on $dv_pop3: $(tail -5 "$DV/dovecot.log")"
	dv() { doveadm -c "$DV/dovecot.conf" "$@"; }
	t0=$(now)
	for a in "${accounts[@]}"; do
		IFS=: read -r u n s <<<"$a"
		((n > 0)) || continue
		log "Dovecot: $u: mailgen writes $n messages of $s bytes as a Maildir, doveadm import stores them"
		"$BIN/mailgen" --maildir "$T/maildir" --messages "$n" --size "$s"
		chown -R "$mail_user:" "$T/maildir"
		dv import -u "$u" "maildir:$T/maildir" "" all || die "doveadm import for $u failed: $(tail -5 "$DV/dovecot.log")"
		rm -rf "$T/maildir"
		got=$(dv -f tab mailbox status -u "$u" messages INBOX | awk 'END { print $NF }')
		[[ $got == "$n" ]] || die "Dovecot's INBOX of $u holds $got messages, want $n"
	done
	R[dovecot.fill_seconds]=$(calc "$(now) - $t0")
	# The appenders' INBOXes exist before the clock starts, as axd's do.
	for u in "${appenders[@]}"; do
		dv mailbox create -u "$u" INBOX 2>/dev/null || true
	done
fi

ax=(--target "axd=127.0.0.1:$ax_imap")
ax_pop=(--target "axd=127.0.0.1:$ax_pop3")
both=("${ax[@]}") both_pop=("${ax_pop[@]}")
if [[ $SKIP_DOVECOT != 1 ]]; then
	both+=(--target "dovecot=127.0.0.1:$dv_imap")
	both_pop+=(--target "dovecot=127.0.0.1:$dv_pop3")
fi

# --- 5 first: memory per idle connection, on the fresh servers ---------------------

if [[ -n ${run[memory]:-} ]]; then
	log "5. memory: $IDLE idle connections to axd, each after LOGIN and SELECT INBOX ($IDLE_N messages) (load average $(loadavg))"
	"$IB" idle --addr "127.0.0.1:$ax_imap" --user "idle@$DOMAIN" --pass "$PASS" --conns "$IDLE" --pid "$axd_pid" \
		--prefix axd.idle >"$T/axd.idle" || die "idle connections to axd failed: $(tail -3 "$AX/axd.log")"
	collect "$T/axd.idle"
	if [[ $SKIP_DOVECOT != 1 ]]; then
		log "5. memory: $IDLE idle connections to Dovecot (load average $(loadavg))"
		"$IB" idle --addr "127.0.0.1:$dv_imap" --user "idle@$DOMAIN" --pass "$PASS" --conns "$IDLE" --ppid "$dovecot_pid" \
			--comm imap --prefix dovecot.idle >"$T/dovecot.idle" || die "idle connections to Dovecot failed: $(tail -3 "$DV/dovecot.log")"
		collect "$T/dovecot.idle"
	fi
	# Let the servers reap and settle before timing anything.
	sleep 3
fi

# --- 1 to 4, rounds interleaved ------------------------------------------------------

if [[ -n ${run[fetch]:-} ]]; then
	log "1. FETCH 1:* BODY.PEEK[] of $FETCH_N x $SIZE B in batches of $BATCH, $ROUNDS rounds (load average $(loadavg))"
	"$IB" fetch "${both[@]}" --user "fetch@$DOMAIN" --pass "$PASS" --batch "$BATCH" --size "$SIZE" --messages "$FETCH_N" \
		--rounds "$ROUNDS" >"$T/fetch.out" || die "FETCH benchmark failed"
	collect "$T/fetch.out"
fi

if [[ -n ${run[select]:-} ]]; then
	log "2. SELECT and FETCH 1:* (UID FLAGS) of $SELECT_N messages, $SELECT_ROUNDS rounds (load average $(loadavg))"
	"$IB" select "${both[@]}" --user "big@$DOMAIN" --pass "$PASS" --messages "$SELECT_N" \
		--rounds "$SELECT_ROUNDS" >"$T/select.out" || die "SELECT benchmark failed"
	collect "$T/select.out"
fi

if [[ -n ${run[pop3]:-} ]]; then
	log "3. POP3 RETR of $POP_N x $SIZE B, depth 1 and $DEPTH, $ROUNDS rounds (load average $(loadavg))"
	for dep in 1 "$DEPTH"; do
		"$IB" pop3 "${both_pop[@]}" --user "pop@$DOMAIN" --pass "$PASS" --depth "$dep" --size "$SIZE" --messages "$POP_N" \
			--rounds "$ROUNDS" --prefix "pop3.d$dep" >"$T/pop3.$dep.out" || die "POP3 benchmark (depth $dep) failed"
		collect "$T/pop3.$dep.out"
	done
fi

if [[ -n ${run[append]:-} ]]; then
	log "4. APPEND of $APPEND_N x $SIZE B over $APPEND_CONNS connections, $APPEND_ROUNDS rounds of at most ${APPEND_SECONDS}s (load average $(loadavg))"
	users_csv=$(
		IFS=,
		echo "${appenders[*]}"
	)
	"$IB" append "${both[@]}" --users "$users_csv" --pass "$PASS" --messages "$APPEND_N" --size "$SIZE" \
		--rounds "$APPEND_ROUNDS" --duration "${APPEND_SECONDS}s" >"$T/append.out" || die "APPEND benchmark failed"
	collect "$T/append.out"
fi

R[axd.hwm_kib]=$(awk '/^VmHWM:/ { print $2 }' "/proc/$axd_pid/status")
stop_axd
if [[ $SKIP_DOVECOT != 1 ]]; then
	stop_pid "$dovecot_pid"
	dovecot_pid=""
fi

# --- the table ----------------------------------------------------------------------

# verdict RATIO OP TARGET -> PASS or MISS
verdict() {
	awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN { print (((op == ">=") ? v >= t : v <= t) ? "PASS" : "MISS") }'
}
row() { printf '%-44s %-24s %-26s %8s  %-8s %s\n' "$@"; }
kib() { fmt "$(calc "$1 / 1024")" 1; }
# line NAME AXD_TEXT DOVECOT_TEXT RATIO_EXPR OP TARGET: a row, its ratio
# and verdict when Dovecot ran.
line() {
	if [[ $SKIP_DOVECOT == 1 ]]; then
		row "$1" "$2" "(Dovecot skipped)" "-" "$5 $6x" "-"
		return
	fi
	local ratio
	ratio=$(calc "$4")
	row "$1" "$2" "$3" "$(fmt "$ratio")x" "$5 $6x" "$(verdict "$ratio" "$5" "$6")"
}
# notrun NAME OP TARGET: the row of a benchmark left out by BENCH_IMAP_ONLY.
notrun() { row "$1" "(not run)" "(not run)" "-" "$2 $3x" "-"; }
elapsed=$(($(date +%s) - script_start))
d=dovecot

echo
echo "axmail IMAP and POP3, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, commit $rev, load average $(loadavg)"
row "benchmark" "axmail" "peer" "ratio" "target" "result"
row "---------" "------" "----" "-----" "------" "------"
if [[ -n ${run[fetch]:-} ]]; then
	line "FETCH BODY.PEEK[] $FETCH_N x $SIZE B, by $BATCH" \
		"$(fmt "${R[fetch.axd.rate]}" 0) msg/s" "Dovecot $(fmt "${R[fetch.$d.rate]:-0}" 0) msg/s" \
		"${R[fetch.axd.rate]} / ${R[fetch.$d.rate]:-1}" ">=" 1
	line "  MB/s" "$(fmt "${R[fetch.axd.mbps]}" 1) MB/s" "Dovecot $(fmt "${R[fetch.$d.mbps]:-0}" 1) MB/s" \
		"${R[fetch.axd.mbps]} / ${R[fetch.$d.mbps]:-1}" ">=" 1
else
	notrun "FETCH BODY.PEEK[] $FETCH_N x $SIZE B, by $BATCH" ">=" 1
	notrun "  MB/s" ">=" 1
fi
if [[ -n ${run[select]:-} ]]; then
	line "SELECT of $SELECT_N (axd/Dovecot time)" \
		"$(fmt "${R[select.axd.select_ms]}") ms" "Dovecot $(fmt "${R[select.$d.select_ms]:-0}") ms" \
		"${R[select.axd.select_ms]} / ${R[select.$d.select_ms]:-1}" "<=" 1
	line "FETCH 1:* (UID FLAGS) of $SELECT_N (time)" \
		"$(fmt "${R[select.axd.flags_ms]}" 1) ms" "Dovecot $(fmt "${R[select.$d.flags_ms]:-0}" 1) ms" \
		"${R[select.axd.flags_ms]} / ${R[select.$d.flags_ms]:-1}" "<=" 1
else
	notrun "SELECT of $SELECT_N (axd/Dovecot time)" "<=" 1
	notrun "FETCH 1:* (UID FLAGS) of $SELECT_N (time)" "<=" 1
fi
for dd in 1 "$DEPTH"; do
	if [[ -n ${run[pop3]:-} ]]; then
		line "POP3 RETR $POP_N x $SIZE B, $dd in flight" \
			"$(fmt "${R[pop3.d$dd.axd.rate]}" 0) msg/s" "Dovecot $(fmt "${R[pop3.d$dd.$d.rate]:-0}" 0) msg/s" \
			"${R[pop3.d$dd.axd.rate]} / ${R[pop3.d$dd.$d.rate]:-1}" ">=" 1
	else
		notrun "POP3 RETR $POP_N x $SIZE B, $dd in flight" ">=" 1
	fi
done
if [[ -n ${run[append]:-} ]]; then
	line "APPEND $APPEND_N x $SIZE B, $APPEND_CONNS conns" \
		"$(fmt "${R[append.axd.rate]}" 0) msg/s" "Dovecot $(fmt "${R[append.$d.rate]:-0}" 0) msg/s" \
		"${R[append.axd.rate]} / ${R[append.$d.rate]:-1}" ">=" 3
else
	notrun "APPEND $APPEND_N x $SIZE B, $APPEND_CONNS conns" ">=" 3
fi
if [[ -n ${run[memory]:-} ]]; then
	line "memory per idle conn, $IDLE open (axd/Dovecot)" \
		"$(kib "${R[axd.idle.rss_per_conn]}") KiB RSS" "Dovecot $(kib "${R[dovecot.idle.pss_per_conn]:-0}") KiB PSS" \
		"${R[axd.idle.rss_per_conn]} / ${R[dovecot.idle.pss_per_conn]:-1}" "<=" 0.1
else
	notrun "memory per idle conn, $IDLE open (axd/Dovecot)" "<=" 0.1
fi
echo
echo "details (medians of the rounds; samples in round order):"
for t in axd $d; do
	[[ $t == "$d" && $SKIP_DOVECOT == 1 ]] && continue
	echo "  $t:"
	[[ -n ${run[fetch]:-} ]] && echo "    FETCH: ${R[fetch.$t.rate_samples]} msg/s; ${R[fetch.$t.mbps_samples]} MB/s"
	[[ -n ${run[select]:-} ]] && echo "    SELECT: ${R[select.$t.select_ms_samples]} ms; FETCH (UID FLAGS): ${R[select.$t.flags_ms_samples]} ms"
	[[ -n ${run[pop3]:-} ]] && echo "    POP3 depth 1: ${R[pop3.d1.$t.rate_samples]} msg/s; depth $DEPTH: ${R[pop3.d$DEPTH.$t.rate_samples]} msg/s"
	[[ -n ${run[append]:-} ]] && echo "    APPEND: ${R[append.$t.rate_samples]} msg/s, ${R[append.$t.messages_samples]} messages; latency p50 $(fmt "${R[append.$t.p50_ms]}" 1) ms p99 $(fmt "${R[append.$t.p99_ms]}" 1) ms max $(fmt "${R[append.$t.max_ms]}" 1) ms"
done
if [[ -n ${run[memory]:-} ]]; then
	echo "  axd idle: ${R[axd.idle.conns]} connections opened in $(fmt "${R[axd.idle.open_seconds]}" 1) s, RSS $(kib "${R[axd.idle.rss_before]}") -> $(kib "${R[axd.idle.rss_after]}") KiB, per connection RSS $(kib "${R[axd.idle.rss_per_conn]}") KiB PSS $(kib "${R[axd.idle.pss_per_conn]}") KiB; peak RSS (VmHWM) over the run $(fmt "$(calc "${R[axd.hwm_kib]} / 1024")" 1) MiB"
else
	echo "  axd peak RSS (VmHWM) over the run $(fmt "$(calc "${R[axd.hwm_kib]} / 1024")" 1) MiB"
fi
if [[ $SKIP_DOVECOT != 1 ]]; then
	[[ -n ${run[memory]:-} ]] && echo "  Dovecot idle: ${R[dovecot.idle.conns]} connections opened in $(fmt "${R[dovecot.idle.open_seconds]}" 1) s, ${R[dovecot.idle.procs]} imap processes, per connection PSS $(kib "${R[dovecot.idle.pss_per_conn]}") KiB RSS $(kib "${R[dovecot.idle.rss_per_conn]}") KiB"
	echo "  fill: axd $(fmt "${R[fill.rate]}" 0) msg/s offline; Dovecot (mailgen + doveadm import) $(fmt "${R[dovecot.fill_seconds]}" 1) s"
fi
echo "  total time: ${elapsed} s"
