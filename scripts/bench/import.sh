#!/usr/bin/env bash
# import.sh benchmarks bulk provisioning with axctl import against a real
# axd, and prints one table with PASS/MISS per target (docs/BENCHMARKS.md,
# section Import, says what each one measures):
#
#   1. 100,000 accounts over 10 domains with pre-hashed passwords
#      ({SHA512-CRYPT}): wall time of axctl import, start to exit (target
#      <= 10 s), beside its peer, the same file parsed by the same reader
#      and imported in process straight into a new directory in batches of
#      the same size (no socket, no JSON, no daemon: the floor), with the
#      ratio; axd's peak RSS (VmHWM), and the idempotent re-run;
#   2. 20,000 accounts with plaintext passwords, hashed by axctl on every
#      core: wall time against the bound N x hash_time / cores, hash_time
#      being one hash of the configured scheme on one core, measured in the
#      same run (target ratio <= 1.1);
#   3. account show latency with the 100,000 accounts loaded: p50/p99 of
#      the control API (GET /v1/accounts/{email}) and of whole axctl
#      account show processes.
#
# axd runs on a temporary data dir with metrics disabled and every network
# listener disabled: it listens on its unix control socket alone. It is
# stopped by its pid at the end; the scratch directory is removed. The
# script exits non-zero only when a benchmark cannot run, never for a
# missed target. It needs go (1.26) and coreutils.
#
# Knobs (environment):
#   BENCH_TMP                 parent of the scratch directory (default /tmp)
#   BENCH_IMPORT_ROWS         accounts of benchmark 1 (100000)
#   BENCH_IMPORT_DOMAINS      domains they spread over (10)
#   BENCH_IMPORT_PLAIN_ROWS   accounts of benchmark 2 (20000)
#   BENCH_IMPORT_SCHEME       axd's auth.scheme: bcrypt or argon2id (bcrypt)
#   BENCH_IMPORT_BCRYPT_COST  auth.bcrypt_cost (6: ~5 ms a hash here, so
#                             benchmark 2 takes about a minute on 2 cores)
#   BENCH_IMPORT_ARGON2_KIB   auth.argon2_memory_kib for argon2id (4096)
#   BENCH_IMPORT_BATCH        axctl import --batch (1000)
#   BENCH_IMPORT_API          control API requests of benchmark 3 (2000)
#   BENCH_IMPORT_EXEC         axctl account show runs of benchmark 3 (300)
set -euo pipefail

ROWS=${BENCH_IMPORT_ROWS:-100000}
DOMAINS=${BENCH_IMPORT_DOMAINS:-10}
PLAIN_ROWS=${BENCH_IMPORT_PLAIN_ROWS:-20000}
SCHEME=${BENCH_IMPORT_SCHEME:-bcrypt}
BCRYPT_COST=${BENCH_IMPORT_BCRYPT_COST:-6}
ARGON2_KIB=${BENCH_IMPORT_ARGON2_KIB:-4096}
BATCH=${BENCH_IMPORT_BATCH:-1000}
API_N=${BENCH_IMPORT_API:-2000}
EXEC_N=${BENCH_IMPORT_EXEC:-300}

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
# shellcheck source=scripts/bench/lib.sh
. scripts/bench/lib.sh

verdict() { awk -v v="$1" -v t="$2" 'BEGIN { print (v <= t ? "PASS" : "MISS") }'; }
# jsonint KEY FILE: an integer field of axctl's JSON summary.
jsonint() { grep -o "\"$1\": [0-9]*" "$2" | head -1 | awk '{ print $2 }'; }

command -v go >/dev/null || die "go is required (Go 1.26)"
for tool in awk grep date mktemp nproc; do
	command -v "$tool" >/dev/null || die "$tool is required"
done

tmp=$(mktemp -d "${BENCH_TMP:-/tmp}/aximport.XXXXXX")
axd_pid=""
cleanup() {
	if [[ -n $axd_pid ]] && kill -0 "$axd_pid" 2>/dev/null; then
		kill -TERM "$axd_pid"
		wait "$axd_pid" || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

log "building axd, axctl and importbench"
go build -o "$tmp/bin/" ./cmd/axd ./cmd/axctl ./scripts/bench/importbench
axctl() { "$tmp/bin/axctl" --socket "$tmp/data/control.sock" "$@"; }

case $SCHEME in
bcrypt)
	auth_yaml=$(printf 'auth:\n  scheme: bcrypt\n  bcrypt_cost: %s\n' "$BCRYPT_COST")
	hash_flags=(--scheme bcrypt --bcrypt-cost "$BCRYPT_COST")
	scheme_desc="bcrypt cost $BCRYPT_COST"
	;;
argon2id)
	auth_yaml=$(printf 'auth:\n  scheme: argon2id\n  argon2_time: 1\n  argon2_threads: 1\n  argon2_memory_kib: %s\n' "$ARGON2_KIB")
	hash_flags=(--scheme argon2id --argon2-time 1 --argon2-threads 1 --argon2-memory "$ARGON2_KIB")
	scheme_desc="argon2id t=1 p=1 m=${ARGON2_KIB}KiB"
	;;
*) die "BENCH_IMPORT_SCHEME=$SCHEME: want bcrypt or argon2id" ;;
esac

{
	printf 'data_dir: %s\nlog:\n  level: warn\nmetrics:\n  listen: ""\nlisteners:\n' "$tmp/data"
	for l in smtp submission submissions lmtp imap imaps pop3 pop3s; do
		printf '  %s:\n    listen: ""\n' "$l"
	done
	printf '%s\n' "$auth_yaml"
} >"$tmp/axd.yaml"

log "starting axd ($scheme_desc; control socket only)"
"$tmp/bin/axd" --config "$tmp/axd.yaml" >"$tmp/axd.log" 2>&1 &
axd_pid=$!
for _ in $(seq 200); do
	axctl status >/dev/null 2>&1 && break
	kill -0 "$axd_pid" 2>/dev/null || die "axd exited: $(cat "$tmp/axd.log")"
	sleep 0.05
done
axctl status >/dev/null || die "axd does not answer: $(cat "$tmp/axd.log")"

# --- 1. pre-hashed ----------------------------------------------------------

log "generating $ROWS pre-hashed rows over $DOMAINS domains"
"$tmp/bin/importbench" gen --rows "$ROWS" --domains "$DOMAINS" >"$tmp/hashed.csv"
log "importing them"
t0=$(now)
code=0
axctl --json --quiet import --create-domains --batch "$BATCH" "$tmp/hashed.csv" >"$tmp/hashed.json" || code=$?
t1=$(now)
[[ $code == 0 && $(jsonint created "$tmp/hashed.json") == "$ROWS" ]] || die "import of $ROWS rows: exit $code: $(cat "$tmp/hashed.json")"
import_s=$(calc "$t1 - $t0")
hwm_kib=$(awk '/^VmHWM:/ { print $2 }' "/proc/$axd_pid/status")
log "the peer: the same file straight into a directory, in process"
mkdir "$tmp/direct"
read -r direct_s direct_created < <("$tmp/bin/importbench" direct --file "$tmp/hashed.csv" --dir "$tmp/direct" --batch "$BATCH")
[[ $direct_created == "$ROWS" ]] || die "direct import created $direct_created"
rm -rf "$tmp/direct"
log "re-running it (everything unchanged)"
t0=$(now)
axctl --json --quiet import --batch "$BATCH" "$tmp/hashed.csv" >"$tmp/rerun.json"
t1=$(now)
[[ $(jsonint unchanged "$tmp/rerun.json") == "$ROWS" ]] || die "re-run: $(cat "$tmp/rerun.json")"
rerun_s=$(calc "$t1 - $t0")

# --- 3. account show latency (while the 100k are loaded) --------------------

log "account show latency: $API_N API requests, $EXEC_N axctl runs"
read -r _ api50 api99 < <("$tmp/bin/importbench" latency --socket "$tmp/data/control.sock" --axctl "$tmp/bin/axctl" \
	--accounts "$ROWS" --domains "$DOMAINS" --api "$API_N" --exec "$EXEC_N" | tee "$tmp/latency.txt" | grep '^api')
read -r _ exec50 exec99 < <(grep '^exec' "$tmp/latency.txt")

# --- 2. plaintext -------------------------------------------------------------

cores=$(nproc)
log "one hash of $scheme_desc on one core"
hash_before=$("$tmp/bin/importbench" hashtime "${hash_flags[@]}" --n 200)
log "generating $PLAIN_ROWS plaintext rows"
"$tmp/bin/importbench" gen --rows "$PLAIN_ROWS" --domains "$DOMAINS" --plaintext --prefix plain --domain-suffix .plain.example >"$tmp/plain.csv"
log "importing them (hashing on $cores cores)"
code=0
TIMEFORMAT='%R %U %S'
{ time axctl --json --quiet import --create-domains --batch "$BATCH" "$tmp/plain.csv" >"$tmp/plain.json" 2>"$tmp/plain.err" || code=$?; } 2>"$tmp/plain.time"
[[ $code == 0 && $(jsonint created "$tmp/plain.json") == "$PLAIN_ROWS" ]] || die "plaintext import: exit $code: $(cat "$tmp/plain.err" "$tmp/plain.json")"
read -r plain_s plain_user plain_sys <"$tmp/plain.time"
hash_after=$("$tmp/bin/importbench" hashtime "${hash_flags[@]}" --n 200)
hash_s=$(calc "($hash_before + $hash_after) / 2")
bound_s=$(calc "$PLAIN_ROWS * $hash_s / $cores")
ratio=$(calc "$plain_s / $bound_s")
# CPU time against N hashes: the import's own overhead, whatever else
# runs on the machine.
cpu_ratio=$(calc "($plain_user + $plain_sys) / ($PLAIN_ROWS * $hash_s)")

kill -TERM "$axd_pid"
wait "$axd_pid" || die "axd exited non-zero on SIGTERM: $(tail -5 "$tmp/axd.log")"
axd_pid=""

# --- report -------------------------------------------------------------------

printf '\naxctl import, %s, %s cores, load average %s\n\n' "$(date -u +%Y-%m-%d)" "$cores" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-52s %18s %12s %s\n' "benchmark" "result" "target" "verdict"
printf '%-52s %18s %12s %s\n' "import $ROWS pre-hashed over $DOMAINS domains" "$(fmt "$import_s") s" "<= 10 s" "$(verdict "$import_s" 10)"
printf '%-52s %18s\n' "  rows per second" "$(fmt "$(calc "$ROWS / $import_s")" 0)"
printf '%-52s %18s\n' "  peer: in process into a directory" "$(fmt "$direct_s") s"
printf '%-52s %18s\n' "  ratio to the peer" "$(fmt "$(calc "$import_s / $direct_s")")"
printf '%-52s %18s\n' "  axd peak RSS (VmHWM)" "$(fmt "$(calc "$hwm_kib / 1024")" 1) MiB"
printf '%-52s %18s\n' "  re-run, all unchanged" "$(fmt "$rerun_s") s"
printf '%-52s %18s\n' "import $PLAIN_ROWS plaintext ($scheme_desc)" "$(fmt "$plain_s") s"
printf '%-52s %18s\n' "  one hash on one core (before, after)" "$(fmt "$(calc "$hash_before * 1000")") $(fmt "$(calc "$hash_after * 1000")") ms"
printf '%-52s %18s\n' "  bound N x hash / $cores cores" "$(fmt "$bound_s") s"
printf '%-52s %18s %12s %s\n' "  ratio to the bound" "$(fmt "$ratio")" "<= 1.1" "$(verdict "$ratio" 1.1)"
printf '%-52s %18s\n' "  axctl CPU (user+sys) / (N x hash)" "$(fmt "$cpu_ratio")"
printf '%-52s %18s\n' "account show p50 / p99, control API ($API_N)" "$api50 / $api99 ms"
printf '%-52s %18s\n' "account show p50 / p99, axctl process ($EXEC_N)" "$exec50 / $exec99 ms"
