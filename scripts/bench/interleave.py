#!/usr/bin/env python3
"""Times shell commands in interleaved rounds and prints the median, the
minimum and every sample of each: on a shared, noisy machine one absolute
time says little, and commands run one after the other in each round meet
the same noise.

    scripts/bench/interleave.py [--rounds N] [--cold] [--setup CMD] NAME=CMD...

--setup runs (untimed) before every timed command, e.g. to make a fresh
copy of a store for a command that changes it; --cold then writes back
dirty pages and drops the page cache (root only), as store.sh does before
each timed step. A command that fails stops the run. Examples (docs/
BENCHMARKS.md, findings 7 and the compaction floor):

    interleave.py --rounds 8 --cold \\
        cat='cat D/containers/*/*.axc' check='axcompact check --data-dir D'
    interleave.py --rounds 4 --cold --setup 'rm -rf T; cp -a S T' \\
        cp='cp -r T/containers T/copy && sync' run='axcompact run --data-dir T' \\
        floor='compactfloor --data-dir T' keep='compactfloor --data-dir T --keep'
"""

import argparse
import statistics
import subprocess
import sys
import time


def shell(cmd):
    return subprocess.run(cmd, shell=True, stdout=subprocess.DEVNULL).returncode


def drop_caches():
    subprocess.run("sync", check=True)
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=5, help="rounds over the commands (5)")
    p.add_argument("--cold", action="store_true", help="drop the page cache before each timed command (root)")
    p.add_argument("--setup", help="shell command run, untimed, before each timed command")
    p.add_argument("commands", nargs="+", metavar="NAME=CMD")
    a = p.parse_args()
    variants = []
    for c in a.commands:
        name, sep, cmd = c.partition("=")
        if not sep or not name or not cmd:
            p.error(f"want NAME=CMD, got {c!r}")
        variants.append((name, cmd))
    if a.rounds < 1:
        p.error("--rounds must be at least 1")
    samples = {name: [] for name, _ in variants}
    for _ in range(a.rounds):
        for name, cmd in variants:
            if a.setup and shell(a.setup) != 0:
                sys.exit(f"interleave: setup failed: {a.setup}")
            if a.cold:
                try:
                    drop_caches()
                except OSError as e:
                    sys.exit(f"interleave: --cold needs root: {e}")
            t = time.perf_counter()
            rc = shell(cmd)
            samples[name].append(time.perf_counter() - t)
            if rc != 0:
                sys.exit(f"interleave: {name} exited {rc}: {cmd}")
    width = max(len(n) for n in samples)
    for name, xs in samples.items():
        ms = " ".join(f"{x * 1000:.0f}" for x in xs)
        print(f"{name:<{width}}  median {statistics.median(xs) * 1000:7.0f} ms  min {min(xs) * 1000:7.0f} ms  all {ms}")


if __name__ == "__main__":
    main()
