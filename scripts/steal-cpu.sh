#!/usr/bin/env bash
# Runs a command while a real-time (SCHED_FIFO) thread takes 1 ms of every 10 ms on CPU 0: a
# known, repeatable slowdown of about 10% for a single-thread point pinned there. `dcnbench ab`
# of a build against itself "slowed" this way checks that a real 10% change is called regressed:
#   printf '#!/bin/sh\nexec scripts/steal-cpu.sh %s "$@"\n' "$PWD/.build/release/dcnbench" > /tmp/slowed; chmod +x /tmp/slowed
#   .build/release/dcnbench ab .build/release/dcnbench /tmp/slowed --variants blockedGather,tiled --channels 64 --hw 56 --threads 1
# STEAL_MS and STEAL_PERIOD_MS change the share; needs root (or CAP_SYS_NICE) for SCHED_FIFO.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: scripts/steal-cpu.sh COMMAND [ARGS...]" >&2; exit 1; }
python3 - "${STEAL_MS:-1}" "${STEAL_PERIOD_MS:-10}" <<'PY' &
import os, sys, time
busy, period = float(sys.argv[1]) / 1e3, float(sys.argv[2]) / 1e3
os.sched_setaffinity(0, {0})
os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(50))
next_start = time.perf_counter()
while True:
    end = next_start + busy
    while time.perf_counter() < end:
        pass
    next_start += period
    time.sleep(max(0.0, next_start - time.perf_counter()))
PY
stealer=$!
trap 'kill "$stealer" 2>/dev/null || true' EXIT
sleep 0.2  # the thread is running before the command starts
status=0
"$@" || status=$?
exit "$status"
