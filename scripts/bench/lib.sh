# shellcheck shell=bash
# Helpers the benchmark scripts share; sourced, not run:
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

log() { printf '== %s\n' "$*" >&2; }
die() {
	printf '%s: %s\n' "${0##*/}" "$*" >&2
	exit 1
}
now() { date +%s.%N; }
# calc EXPR: floating-point arithmetic through awk.
calc() { awk "BEGIN { printf \"%.6f\", $* }"; }
# fmt VALUE [DECIMALS]: VALUE rounded for the table.
fmt() { awk -v v="$1" -v p="${2:-2}" 'BEGIN { printf "%.*f", p, v }'; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# results: key -> value, from the "key value" lines of the Go programs.
declare -A R
# collect FILE: adds FILE's "key value" lines to R.
collect() {
	local k v
	while read -r k v; do
		[[ -n $k ]] && R[$k]=$v
	done <"$1"
}

# bench_rev: the commit measured, "+changes" when the tree differs from it.
bench_rev() {
	local rev
	rev=$(git rev-parse --short HEAD 2>/dev/null) || rev="?"
	if [[ $rev != "?" ]] && ! git diff --quiet HEAD -- 2>/dev/null; then
		rev+="+changes"
	fi
	printf '%s' "$rev"
}

# stop_pid PID: SIGTERM, then SIGKILL after 30 s.
stop_pid() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 300; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	log "pid $pid ignored SIGTERM for 30 s: SIGKILL"
	kill -KILL "$pid" 2>/dev/null || true
}

# wait_port PORT SECONDS: until something accepts on 127.0.0.1:PORT.
wait_port() {
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	return 1
}

# apt_install PACKAGE...: install Debian packages as root without their
# recommends, with a temporary policy-rc.d so that no maintainer script
# starts a daemon (the benchmarks run private instances), running apt-get
# update only if the first attempt fails.
apt_install() {
	[[ $(id -u) == 0 ]] || die "missing: $*; apt-get install them as root"
	log "installing $* with apt-get; no service is started"
	local policy_added=0 ok=0
	if [[ ! -e /usr/sbin/policy-rc.d ]]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		policy_added=1
	fi
	if DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >&2 ||
		{ apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >&2; }; then
		ok=1
	fi
	if [[ $policy_added == 1 ]]; then
		rm -f /usr/sbin/policy-rc.d
	fi
	[[ $ok == 1 ]] || die "apt-get install $* failed"
}
