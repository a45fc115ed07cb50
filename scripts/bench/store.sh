#!/usr/bin/env bash
# store.sh runs axmail's store benchmarks, each beside its peer in the same
# run, and prints one table of results with ratios and PASS/MISS per target
# (docs/BENCHMARKS.md says what each one measures):
#
#   1. appends of 8 KiB messages at concurrency 1, 16, 64 vs a serial
#      write+fdatasync loop on the same file system;
#   2. axcompact run on a >= 1 GiB store with half its messages deleted, vs
#      cp+sync of the same container files, and vs doveadm purge of a
#      Dovecot mdbox holding the same messages with the same half expunged;
#   3. axcompact check vs cat of the same container files, and again after
#      axcompact index has shrunk the index;
#   (for information beside 2 and 3: cp+sync plus freeing the copy, as
#   compaction frees its sources; compactfloor, the file I/O alone that
#   such a compaction cannot avoid, with and without freeing the sources;
#   cat of the containers and the index)
#   4. RSS growth per message with 1,000,000 messages in the hot cache.
#
# It exits non-zero only when a benchmark cannot run, never for a missed
# target. It needs go (1.26, from the module's toolchain line), coreutils,
# awk and doveadm; as root it apt-get installs dovecot-core when doveadm is
# missing. Everything lives in one temporary directory, removed on exit.
#
# Knobs (environment):
#   BENCH_TMP              parent of the scratch directory (default /tmp)
#   BENCH_APPEND_COUNT     appends per concurrency level at most (10000)
#   BENCH_APPEND_SECONDS   seconds per concurrency level and round at most (15)
#   BENCH_APPEND_ROUNDS    rounds over the levels, interleaved (2)
#   BENCH_COMPACT_MESSAGES 8 KiB messages in the compaction store (131072 = 1 GiB)
#   BENCH_INDEX_MESSAGES   messages for the index memory benchmark (1000000)
#   BENCH_INDEX_CONCURRENCY appenders filling that store (1024; the fill is
#                          not what is measured, and at 64 it alone can take
#                          8 minutes on a 2-core machine: see BENCHMARKS.md)
#   BENCH_CACHE            cold (drop the page cache before each timed step,
#                          default when permitted) or warm (read the files first)
#   BENCH_SKIP_DOVECOT=1   leave out the Dovecot comparison
set -euo pipefail

APPEND_COUNT=${BENCH_APPEND_COUNT:-10000}
APPEND_SECONDS=${BENCH_APPEND_SECONDS:-15}
APPEND_ROUNDS=${BENCH_APPEND_ROUNDS:-2}
COMPACT_MESSAGES=${BENCH_COMPACT_MESSAGES:-131072}
INDEX_MESSAGES=${BENCH_INDEX_MESSAGES:-1000000}
INDEX_CONCURRENCY=${BENCH_INDEX_CONCURRENCY:-1024}
SKIP_DOVECOT=${BENCH_SKIP_DOVECOT:-0}

script_start=$(date +%s)
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
# shellcheck source=scripts/bench/lib.sh
. scripts/bench/lib.sh


# --- dependencies -----------------------------------------------------------

command -v go >/dev/null || die "go is required (the module wants Go 1.26; Debian's golang is older): install it from go.dev"
for tool in awk cp cat du sync seq sed mktemp; do
	command -v "$tool" >/dev/null || die "$tool is required"
done
if [[ $SKIP_DOVECOT != 1 ]] && ! command -v doveadm >/dev/null; then
	[[ $(id -u) == 0 ]] || die "doveadm is missing: apt-get install dovecot-core as root, or set BENCH_SKIP_DOVECOT=1"
	apt_install dovecot-core # doveadm alone; no server listens anywhere
	log "installed: dovecot-core $(dpkg-query -W -f='${Version}' dovecot-core)"
fi

# --- scratch directory, cleaned on exit --------------------------------------

T=$(mktemp -d "${BENCH_TMP:-/tmp}/axbench.XXXXXX")
cleanup() { rm -rf "$T"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
chmod 755 "$T" # Dovecot's mail user must reach its directory below
log "scratch directory $T"

cache_mode=${BENCH_CACHE:-}
if [[ -z $cache_mode ]]; then
	cache_mode=warm
	if [[ $(id -u) == 0 ]] && sync && { echo 3 >/proc/sys/vm/drop_caches; } 2>/dev/null; then
		cache_mode=cold
	fi
fi
[[ $cache_mode == cold || $cache_mode == warm ]] || die "BENCH_CACHE must be cold or warm"
log "page cache before each timed step: $cache_mode"

# prepare FILE...: put the page cache in the same state before a timed step:
# cold drops it (after writing back dirty pages), warm reads the files.
prepare() {
	sync
	if [[ $cache_mode == cold ]]; then
		echo 3 >/proc/sys/vm/drop_caches
	else
		cat "$@" >/dev/null
	fi
}


rev=$(bench_rev)
log "building axcompact and the benchmark programs"
mkdir -p "$T/bin"
go build -o "$T/bin/" ./cmd/axcompact ./scripts/bench/storefill ./scripts/bench/appendbench \
	./scripts/bench/indexmem ./scripts/bench/mailgen ./scripts/bench/compactfloor
BIN=$T/bin

# --- 1. appends vs the serial fsync limit --------------------------------------

log "1. appends of 8 KiB at concurrency 1, 16, 64 (at most $APPEND_COUNT messages or ${APPEND_SECONDS}s each, $APPEND_ROUNDS rounds), framed by fsync loops"
"$BIN/appendbench" --dir "$T/append" --levels 1,16,64 --count "$APPEND_COUNT" \
	--duration "${APPEND_SECONDS}s" --rounds "$APPEND_ROUNDS" --size 8K --accounts 64 >"$T/append.out"
collect "$T/append.out"
rm -rf "$T/append"

# --- 2 and 3. compaction vs cp+sync and doveadm purge; check vs cat -------------
#
# Both stores are built first and each is copied once, untimed, so that the
# timed steps can alternate on this noisy machine: cp, axcompact, purge, then
# again on the copies; then cat, check, cat, check, cat. Each figure is the
# mean of its samples; the page cache is prepared alike before every step.

containers_of() { find "$1/containers" -name '*.axc' | sort; }
bytes_of() { du -cb "$@" | tail -1 | cut -f1; }
json_int() { sed -n "s/.*\"$1\": *\([0-9]*\).*/\1/p" "$2"; }

log "2. filling a store with $COMPACT_MESSAGES messages of 8 KiB, then removing every other one"
"$BIN/storefill" --data-dir "$T/ax1" --messages "$COMPACT_MESSAGES" --size 8K --accounts 1 \
	--concurrency 64 --delete-every 2 --container-size 64M >"$T/fill.json"
R[storefill.rate]=$(sed -n 's/.*"messages_per_second":\([0-9.]*\).*/\1/p' "$T/fill.json")
R[storefill.removed]=$(sed -n 's/.*"removed":\([0-9]*\).*/\1/p' "$T/fill.json")
mapfile -t containers < <(containers_of "$T/ax1")
container_bytes=$(bytes_of "${containers[@]}")
R[compact.container_bytes]=$container_bytes
R[compact.containers]=${#containers[@]}
log "store: ${#containers[@]} containers, $container_bytes bytes, ${R[storefill.removed]} messages removed; copying it"
cp -a "$T/ax1" "$T/ax2"
for c in fl1 fl2; do # compactfloor reads the containers only
	mkdir "$T/$c"
	cp -a "$T/ax1/containers" "$T/$c/"
done

# Dovecot: the same messages in an mdbox, the same half expunged.
if [[ $SKIP_DOVECOT != 1 ]]; then
	DV=$T/dovecot
	mailuser=mail
	id "$mailuser" >/dev/null 2>&1 || mailuser=nobody
	mkdir -p "$DV/run" "$DV/state" "$DV/home" "$DV/mail1"
	cat >"$DV/dovecot.conf" <<EOF
# Only what doveadm needs: no service is started, no userdb is asked (the
# user comes from USER and HOME), mail is stored as $mailuser.
base_dir = $DV/run
state_dir = $DV/state
log_path = /dev/stderr
ssl = no
mail_location = mdbox:$DV/mail1
mail_uid = $mailuser
mail_gid = $(id -gn "$mailuser")
first_valid_uid = 1
first_valid_gid = 1
# Rotate mdbox files at 64 MiB like axmail's containers (Dovecot's default is 10M).
mdbox_rotate_size = 64M
mail_fsync = optimized
EOF
	dv() { # N doveadm-args...: doveadm on mdbox N
		local n=$1
		shift
		env USER="$mailuser" HOME="$DV/home" doveadm -c "$DV/dovecot.conf" -o "mail_location=mdbox:$DV/mail$n" "$@"
	}
	log "2a. Dovecot $(dovecot --version 2>/dev/null || echo '?'): writing $COMPACT_MESSAGES messages as a Maildir and importing them into an mdbox"
	"$BIN/mailgen" --maildir "$DV/src" --messages "$COMPACT_MESSAGES" --size 8K
	chown -R "$mailuser:" "$DV/src" "$DV/mail1" "$DV/home" "$DV/state"
	t0=$(now)
	dv 1 import "maildir:$DV/src" "" all
	t1=$(now)
	R[dovecot.import_rate]=$(calc "$COMPACT_MESSAGES / ($t1 - $t0)")
	rm -rf "$DV/src"
	imported=$(dv 1 -f tab mailbox status -t messages INBOX | tail -1)
	[[ $imported == "$COMPACT_MESSAGES" ]] || die "doveadm import stored $imported messages, want $COMPACT_MESSAGES"
	log "2b. expunging every other uid (1, 3, 5, ...), as storefill removed in axmail's store"
	chunk=16000 # uids per range: 8000 in the set, well under the argument size limit
	for ((s = 1; s <= COMPACT_MESSAGES; s += chunk)); do
		e=$((s + chunk - 1))
		((e > COMPACT_MESSAGES)) && e=$COMPACT_MESSAGES
		dv 1 expunge mailbox INBOX uid "$(seq -s, "$s" 2 "$e")"
	done
	left=$(dv 1 -f tab mailbox status -t messages INBOX | tail -1)
	R[dovecot.expunged]=$((COMPACT_MESSAGES - left))
	mapfile -t mfiles < <(find "$DV/mail1/storage" -name 'm.*' | sort)
	R[dovecot.mdbox_bytes]=$(bytes_of "${mfiles[@]}")
	R[dovecot.mdbox_files]=${#mfiles[@]}
	log "mdbox: ${#mfiles[@]} m.* files, ${R[dovecot.mdbox_bytes]} bytes, ${R[dovecot.expunged]} expunged; copying it"
	cp -a "$DV/mail1" "$DV/mail2"
fi

for i in 1 2; do
	mapfile -t containers < <(containers_of "$T/ax$i")
	log "2c.$i cp+sync of the containers"
	prepare "${containers[@]}"
	t0=$(now)
	cp -r "$T/ax$i/containers" "$T/cp"
	sync
	t1=$(now)
	R[cp.$i.seconds]=$(calc "$t1 - $t0")
	# Freeing the copy again, timed: compaction must free its sources,
	# which cp+sync never does (on a file system mounted with discard
	# this is no small part of the work).
	t0=$(now)
	rm -rf "$T/cp"
	sync
	t1=$(now)
	R[rm.$i.seconds]=$(calc "$t1 - $t0")

	log "2d.$i axcompact run"
	prepare "${containers[@]}"
	t0=$(now)
	"$BIN/axcompact" run --data-dir "$T/ax$i" --json >"$T/compact$i.json"
	t1=$(now)
	R[compact.$i.seconds]=$(calc "$t1 - $t0")
	R[compact.$i.live_bytes]=$(json_int live_bytes "$T/compact$i.json")

	# The floor: first leaving the sources (its output is then removed,
	# untimed), then on the same sources freeing them.
	mapfile -t fcontainers < <(containers_of "$T/fl$i")
	log "2f.$i compactfloor --keep, then compactfloor"
	for run in floorkeep floor; do
		keep=()
		[[ $run == floorkeep ]] && keep=(--keep)
		prepare "${fcontainers[@]}"
		"$BIN/compactfloor" --data-dir "$T/fl$i" --prefix "$run.$i" "${keep[@]}" >"$T/$run$i.out"
		collect "$T/$run$i.out"
		rm -rf "$T/fl$i/floor"
	done
	rm -rf "$T/fl$i"

	if [[ $SKIP_DOVECOT != 1 ]]; then
		log "2e.$i doveadm purge"
		mapfile -t mfiles < <(find "$DV/mail$i/storage" -name 'm.*' | sort)
		prepare "${mfiles[@]}"
		t0=$(now)
		dv "$i" purge
		t1=$(now)
		R[dovecot.$i.purge_seconds]=$(calc "$t1 - $t0")
	fi
done
# mean2 KEY: the mean of the two samples R[KEY.1.seconds] and R[KEY.2.seconds].
mean2() { calc "(${R[$1.1.seconds]} + ${R[$1.2.seconds]}) / 2"; }
R[compact.live_bytes]=${R[compact.1.live_bytes]}
R[compact.live_records]=$(json_int live_records "$T/compact1.json")
R[compact.compacted]=$(json_int compacted "$T/compact1.json")
R[cp.seconds]=$(mean2 cp)
R[cp.mbps]=$(calc "$container_bytes / ${R[cp.seconds]} / 1e6")
R[rm.seconds]=$(mean2 rm)
R[cprm.mbps]=$(calc "$container_bytes / (${R[cp.seconds]} + ${R[rm.seconds]}) / 1e6")
R[compact.seconds]=$(mean2 compact)
R[compact.mbps]=$(calc "(${R[compact.1.live_bytes]} + ${R[compact.2.live_bytes]}) / 2 / ${R[compact.seconds]} / 1e6")
R[compact.cp_ratio]=$(calc "${R[compact.mbps]} / ${R[cp.mbps]}")
# The second cp+sync of a run is often much slower than the first (the
# disk, not cp: see BENCHMARKS.md), which flatters the ratio of means;
# the faster sample alone gives the conservative figure.
R[cpfast.seconds]=$(calc "(${R[cp.1.seconds]} < ${R[cp.2.seconds]}) ? ${R[cp.1.seconds]} : ${R[cp.2.seconds]}")
R[cpfast.mbps]=$(calc "$container_bytes / ${R[cpfast.seconds]} / 1e6")
R[compact.cpfast_ratio]=$(calc "${R[compact.mbps]} / ${R[cpfast.mbps]}")
R[compact.cprm_ratio]=$(calc "${R[compact.mbps]} / ${R[cprm.mbps]}")
R[floor.seconds]=$(mean2 floor)
R[floorkeep.seconds]=$(mean2 floorkeep)
R[floor.written_bytes]=${R[floor.1.written_bytes]}
R[floor.cp_ratio]=$(calc "${R[floor.written_bytes]} / ${R[floor.seconds]} / 1e6 / ${R[cp.mbps]}")
R[floorkeep.cp_ratio]=$(calc "${R[floor.written_bytes]} / ${R[floorkeep.seconds]} / 1e6 / ${R[cp.mbps]}")
R[compact.floor_share]=$(calc "${R[floor.seconds]} / ${R[compact.seconds]}")
if [[ $SKIP_DOVECOT != 1 ]]; then
	R[dovecot.purge_seconds]=$(calc "(${R[dovecot.1.purge_seconds]} + ${R[dovecot.2.purge_seconds]}) / 2")
	R[dovecot.after_bytes]=$(find "$DV/mail1/storage" -name 'm.*' -print0 | du -cb --files0-from=- | tail -1 | cut -f1)
	R[compact.dovecot_ratio]=$(calc "${R[dovecot.purge_seconds]} / ${R[compact.seconds]}")
	rm -rf "$DV"
fi

# check vs cat, on the compacted stores.
cat_run() { # DIR [index]: seconds to cat its containers, and index.db too with "index" (check reads both)
	local t0 t1 files
	mapfile -t files < <(containers_of "$1")
	[[ ${2:-} == index ]] && files+=("$1/index.db")
	prepare "${files[@]}"
	t0=$(now)
	cat "${files[@]}" >/dev/null
	t1=$(now)
	calc "$t1 - $t0"
}
mapfile -t containers < <(containers_of "$T/ax1")
R[check.bytes]=$(bytes_of "${containers[@]}")
R[check.containers]=${#containers[@]}
R[check.problems]=0
log "3. axcompact check of the compacted stores vs cat of their ${#containers[@]} containers"
R[cat.1.seconds]=$(cat_run "$T/ax1")
R[catidx.1.seconds]=$(cat_run "$T/ax1" index)
check_run() { # DIR OUT: "SECONDS STATUS" of axcompact check --json of DIR, its report in OUT
	local t0 t1 rc=0 containers
	mapfile -t containers < <(containers_of "$1")
	prepare "${containers[@]}"
	t0=$(now)
	"$BIN/axcompact" check --data-dir "$1" --json >"$2" || rc=$?
	t1=$(now)
	echo "$(calc "$t1 - $t0") $rc"
}
for i in 1 2; do
	read -r "R[check.$i.seconds]" check_rc < <(check_run "$T/ax$i" "$T/check$i.json")
	if [[ $check_rc != 0 ]]; then
		log "axcompact check exited $check_rc; its report:"
		cat "$T/check$i.json" >&2
		[[ $check_rc == 2 ]] || die "axcompact check failed to run"
	fi
	R[check.problems]=$((R[check.problems] + $(grep -c '"kind"' "$T/check$i.json" || true)))
	R[cat.$((i + 1)).seconds]=$(cat_run "$T/ax$((i % 2 + 1))")
	R[catidx.$((i + 1)).seconds]=$(cat_run "$T/ax$((i % 2 + 1))" index)
done
R[cat.seconds]=$(calc "(${R[cat.1.seconds]} + ${R[cat.2.seconds]} + ${R[cat.3.seconds]}) / 3")
R[catidx.seconds]=$(calc "(${R[catidx.1.seconds]} + ${R[catidx.2.seconds]} + ${R[catidx.3.seconds]}) / 3")
R[check.index_bytes]=$(bytes_of "$T/ax1/index.db")
R[check.seconds]=$(mean2 check)
R[check.ratio]=$(calc "${R[cat.seconds]} / ${R[check.seconds]}")
R[check.catidx_ratio]=$(calc "${R[catidx.seconds]} / ${R[check.seconds]}")

# axcompact index (offline, not part of run) on the same stores, and the
# check again: the expunge of half the store left index.db mostly free pages.
log "3b. axcompact index, then check again"
for i in 1 2; do
	prepare "$T/ax$i/index.db"
	t0=$(now)
	"$BIN/axcompact" index --data-dir "$T/ax$i" --json >"$T/index$i.json"
	t1=$(now)
	R[index.$i.seconds]=$(calc "$t1 - $t0")
done
R[index.after_bytes]=$(json_int bytes_after "$T/index1.json")
for i in 1 2; do
	read -r "R[checkidx.$i.seconds]" check_rc < <(check_run "$T/ax$i" "$T/checkidx$i.json")
	[[ $check_rc == 0 ]] || die "axcompact check after axcompact index exited $check_rc"
done
R[checkidx.seconds]=$(mean2 checkidx)
R[checkidx.ratio]=$(calc "${R[cat.seconds]} / ${R[checkidx.seconds]}")
rm -rf "$T/ax1" "$T/ax2"

# --- 4. index memory --------------------------------------------------------------

log "4. index memory: filling a store with $INDEX_MESSAGES messages of 200 bytes over 100 accounts at concurrency $INDEX_CONCURRENCY"
"$BIN/indexmem" fill --data-dir "$T/im" --messages "$INDEX_MESSAGES" --size 200 --accounts 100 \
	--concurrency "$INDEX_CONCURRENCY" --timeout 15m >"$T/im-fill.out"
collect "$T/im-fill.out"
R[mem.index_bytes]=$(du -b "$T/im/index.db" | cut -f1)
log "4b. measuring in a fresh process: open, load every mailbox into the hot cache"
prepare "$T/im/index.db"
"$BIN/indexmem" measure --data-dir "$T/im" >"$T/im-measure.out"
collect "$T/im-measure.out"
rm -rf "$T/im"

# --- the table ----------------------------------------------------------------------

verdict() { # VALUE OP TARGET -> PASS or MISS
	if awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN { exit !((op == ">=") ? v >= t : v <= t) }'; then
		echo PASS
	else
		echo MISS
	fi
}
row() { printf '%-34s %-22s %-24s %8s  %-8s %s\n' "$@"; }
elapsed=$(($(date +%s) - script_start))

echo
echo "axmail store benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, commit $rev, page cache $cache_mode"
row "benchmark" "axmail" "peer" "ratio" "target" "result"
row "---------" "------" "----" "-----" "------" "------"
for c in 1 16 64; do
	target="-" result="(info)"
	if [[ $c == 64 ]]; then
		target=">= 10x"
		result=$(verdict "${R[append.c$c.ratio]}" ">=" 10)
	fi
	row "append 8 KiB, concurrency $c" "$(fmt "${R[append.c$c.rate]}" 0) msg/s" \
		"fsync loop $(fmt "${R[append.c$c.fsync_rate]}" 0)/s" "$(fmt "${R[append.c$c.ratio]}")x" "$target" "$result"
done
row "axcompact run vs cp+sync" "$(fmt "${R[compact.mbps]}" 1) MB/s live" "cp+sync $(fmt "${R[cp.mbps]}" 1) MB/s" \
	"$(fmt "${R[compact.cp_ratio]}")x" ">= 0.7x" "$(verdict "${R[compact.cp_ratio]}" ">=" 0.7)"
row "  ... vs the faster cp+sync" "$(fmt "${R[compact.mbps]}" 1) MB/s live" "cp+sync $(fmt "${R[cpfast.mbps]}" 1) MB/s" \
	"$(fmt "${R[compact.cpfast_ratio]}")x" "-" "(info)"
row "  ... vs cp+sync+rm" "$(fmt "${R[compact.mbps]}" 1) MB/s live" "cp+sync+rm $(fmt "${R[cprm.mbps]}" 1) MB/s" \
	"$(fmt "${R[compact.cprm_ratio]}")x" "-" "(info)"
row "  compactfloor vs cp+sync" "$(fmt "${R[floor.seconds]}") s" "cp+sync $(fmt "${R[cp.mbps]}" 1) MB/s" \
	"$(fmt "${R[floor.cp_ratio]}")x" "-" "(info)"
row "  ... not freeing the sources" "$(fmt "${R[floorkeep.seconds]}") s" "cp+sync $(fmt "${R[cp.mbps]}" 1) MB/s" \
	"$(fmt "${R[floorkeep.cp_ratio]}")x" "-" "(info)"
if [[ $SKIP_DOVECOT != 1 ]]; then
	row "axcompact run vs doveadm purge" "$(fmt "${R[compact.seconds]}") s" "purge $(fmt "${R[dovecot.purge_seconds]}") s" \
		"$(fmt "${R[compact.dovecot_ratio]}")x" ">= 1.5x" "$(verdict "${R[compact.dovecot_ratio]}" ">=" 1.5)"
fi
row "axcompact check vs cat" "$(fmt "${R[check.seconds]}") s" "cat $(fmt "${R[cat.seconds]}") s" \
	"$(fmt "${R[check.ratio]}")x" ">= 0.8x" "$(verdict "${R[check.ratio]}" ">=" 0.8)"
row "  ... vs cat with index.db" "$(fmt "${R[check.seconds]}") s" "cat $(fmt "${R[catidx.seconds]}") s" \
	"$(fmt "${R[check.catidx_ratio]}")x" "-" "(info)"
row "  ... after axcompact index" "$(fmt "${R[checkidx.seconds]}") s" "cat $(fmt "${R[cat.seconds]}") s" \
	"$(fmt "${R[checkidx.ratio]}")x" "-" "(info)"
row "index RSS/msg, RssAnon" "$(fmt "${R[mem.rssanon_per_msg]}" 1) B" "-" "-" "<= 100 B" "$(verdict "${R[mem.rssanon_per_msg]}" "<=" 100)"
row "index RSS/msg, VmRSS" "$(fmt "${R[mem.vmrss_per_msg]}" 1) B" "-" "-" "<= 100 B" "$(verdict "${R[mem.vmrss_per_msg]}" "<=" 100)"
echo
echo "details:"
for c in 1 16 64; do
	echo "  append c$c: ${R[append.c$c.messages]} messages in $(fmt "${R[append.c$c.seconds]}") s, latency p50 $(fmt "${R[append.c$c.p50_ms]}" 1) ms p99 $(fmt "${R[append.c$c.p99_ms]}" 1) ms max $(fmt "${R[append.c$c.max_ms]}" 1) ms; ratio per round ${R[append.c$c.round_ratios]}"
done
fsyncs="" fsync_max=""
i=0
while [[ -n ${R[fsync.$i.rate]:-} ]]; do
	fsyncs+=" $(fmt "${R[fsync.$i.rate]}" 0)"
	fsync_max+=" $(fmt "${R[fsync.$i.max_ms]}" 0)"
	i=$((i + 1))
done
echo "  fsync loops (8 KiB write + fdatasync), in order:$fsyncs /s; slowest fdatasync in each:$fsync_max ms"
echo "  compaction store: $COMPACT_MESSAGES x 8 KiB in ${R[compact.containers]} containers, ${R[compact.container_bytes]} bytes; filled at $(fmt "${R[storefill.rate]}" 0) msg/s; ${R[storefill.removed]} removed"
echo "  axcompact run: ${R[compact.compacted]} containers, ${R[compact.live_records]} live records, ${R[compact.live_bytes]} live bytes in $(fmt "${R[compact.1.seconds]}") s and $(fmt "${R[compact.2.seconds]}") s"
echo "  cp+sync: $(fmt "${R[cp.1.seconds]}") s and $(fmt "${R[cp.2.seconds]}") s for ${R[compact.container_bytes]} bytes"
echo "  rm+sync of that copy: $(fmt "${R[rm.1.seconds]}") s and $(fmt "${R[rm.2.seconds]}") s"
echo "  compactfloor (read all, write ${R[floor.written_bytes]} bytes, sync, unlink): $(fmt "${R[floor.1.seconds]}") s and $(fmt "${R[floor.2.seconds]}") s; with --keep: $(fmt "${R[floorkeep.1.seconds]}") s and $(fmt "${R[floorkeep.2.seconds]}") s; axcompact run ran at $(fmt "${R[compact.floor_share]}") of the floor's speed"
if [[ $SKIP_DOVECOT != 1 ]]; then
	echo "  doveadm purge: $(fmt "${R[dovecot.1.purge_seconds]}") s and $(fmt "${R[dovecot.2.purge_seconds]}") s; mdbox ${R[dovecot.mdbox_files]} m.* files, ${R[dovecot.mdbox_bytes]} bytes -> ${R[dovecot.after_bytes]} after purge; ${R[dovecot.expunged]} expunged; imported at $(fmt "${R[dovecot.import_rate]}" 0) msg/s"
fi
echo "  check: ${R[check.containers]} containers, ${R[check.bytes]} bytes, $(fmt "${R[check.1.seconds]}") s and $(fmt "${R[check.2.seconds]}") s, ${R[check.problems]} problems; cat $(fmt "${R[cat.1.seconds]}") s, $(fmt "${R[cat.2.seconds]}") s, $(fmt "${R[cat.3.seconds]}") s"
echo "  axcompact index: $(fmt "${R[index.1.seconds]}") s and $(fmt "${R[index.2.seconds]}") s, index.db ${R[check.index_bytes]} -> ${R[index.after_bytes]} bytes; check then $(fmt "${R[checkidx.1.seconds]}") s and $(fmt "${R[checkidx.2.seconds]}") s"
echo "  cat of the containers and index.db (${R[check.index_bytes]} bytes): $(fmt "${R[catidx.1.seconds]}") s, $(fmt "${R[catidx.2.seconds]}") s, $(fmt "${R[catidx.3.seconds]}") s"
echo "  index: ${R[mem.cached]} messages cached in ${R[mem.mailboxes]} mailboxes (index.db ${R[mem.index_bytes]} bytes); filled at $(fmt "${R[fill.rate]}" 0) msg/s in $(fmt "${R[fill.seconds]}" 0) s at concurrency $INDEX_CONCURRENCY; open $(fmt "${R[mem.open_seconds]}") s, load $(fmt "${R[mem.load_seconds]}") s"
echo "  index per message: VmRSS $(fmt "${R[mem.vmrss_per_msg]}" 1) B, RssAnon $(fmt "${R[mem.rssanon_per_msg]}" 1) B, RssFile $(fmt "${R[mem.rssfile_per_msg]}" 1) B, Go HeapInuse $(fmt "${R[mem.heapinuse_per_msg]}" 1) B"
echo "  total time: ${elapsed} s"
