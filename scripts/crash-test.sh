#!/usr/bin/env bash
# Crash consistency of the results files (after SQLite's crash tests and Pillai et al., "All File
# Systems Are Not Created Equal", OSDI 2014): a small sweep, a resume and a merge are each run
# under strace, which kills the process (SIGKILL) or fails the call (ENOSPC) at its Nth write,
# for every N the clean run makes. After each: the interrupted run is continued (--resume, or
# merged again) and must finish; every point must be there exactly once with its own samples;
# compare, merge and report must accept the file; a killed merge leaves its inputs as they were.
#
#   scripts/crash-test.sh [DCNBENCH]     (default: .build/release/dcnbench)
#
# Writes are counted on the main thread, which writes every result record (strace without -f:
# the kernels' worker threads and the git child of the context are not traced).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
ensure_packages strace
bin=$(realpath "${1:-.build/release/dcnbench}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
axes=(--variants tiled,blockedGather --versions v2 --channels 4 --hw 6 --threads 1 --layouts nchw --weights call)
sweep=(sweep "${axes[@]}" --samples 3 --min-sample-time 0.001 --warmup 0 --no-probes --quiet)
points=$("$bin" list "${axes[@]}" | wc -l)
fail() { echo "crash-test: FAIL ($1): $2" >&2; exit 1; }

# count: how many write calls the main thread made in the run just traced into $work/count.log.
count() { grep -c '^write(' "$work/count.log" || true; }

# check CASE FILE: FILE holds every point once, with its samples, and the readers accept it.
check() {
  local case=$1 file=$2
  local rows
  rm -f "$work"/check*
  rows=$("$bin" merge "$work/check.csv" "$file" 2>&1) || fail "$case" "merge refuses the file: $rows"
  [[ $rows == "merged $points rows,"* ]] || fail "$case" "expected $points rows: $rows"
  "$bin" report "$file" >/dev/null 2>"$work/err" || fail "$case" "report refuses the file: $(cat "$work/err")"
  local status=0
  "$bin" compare "$file" "$file" >/dev/null 2>"$work/err" || status=$?
  [[ $status == 0 || $status == 3 ]] || fail "$case" "compare exits $status: $(cat "$work/err")"
}

# Phase 1: a new sweep, and phase 2: a resume that adds the points a first run left out.
cases=0
for phase in sweep resume; do
  dir="$work/$phase"
  mkdir -p "$dir"
  prepare() {
    rm -rf "$dir" && mkdir -p "$dir"
    if [[ $phase == resume ]]; then
      "$bin" "${sweep[@]}" --variants tiled --out "$dir/r.csv" >/dev/null 2>&1
    fi
  }
  run() {
    if [[ $phase == resume ]]; then "$@" "$bin" "${sweep[@]}" --resume "$dir/r.csv"
    else "$@" "$bin" "${sweep[@]}" --out "$dir/r.csv"; fi
  }
  prepare
  run strace -qq -e trace=write -o "$work/count.log" >/dev/null 2>&1
  total=$(count)
  ((total > 5)) || fail "$phase" "strace counted $total writes"
  for fault in signal=KILL error=ENOSPC; do
    for ((n = 1; n <= total; n++)); do
      prepare
      (run strace -qq -o /dev/null -e trace=write -e "inject=write:$fault:when=$n") >/dev/null 2>&1 || true
      # Continue the run: --resume where the file was created, a new start otherwise.
      if [[ -e $dir/r.csv ]]; then
        "$bin" "${sweep[@]}" --resume "$dir/r.csv" >/dev/null 2>"$work/err" \
          || fail "$phase, $fault at write $n" "--resume fails: $(cat "$work/err")"
      else
        "$bin" "${sweep[@]}" --out "$dir/r.csv" >/dev/null 2>"$work/err" \
          || fail "$phase, $fault at write $n" "a new run fails: $(cat "$work/err")"
      fi
      check "$phase, $fault at write $n" "$dir/r.csv"
      cases=$((cases + 1))
    done
    echo "crash-test: $phase: $fault at each of $total writes: resumed and consistent" >&2
  done
done

# Phase 3: merge. Killed or failed at any write, it leaves its inputs as they were and no
# partial output: the output is absent, an empty leftover that a new merge replaces, or whole.
dir="$work/merge"
mkdir -p "$dir"
for k in 1 2; do "$bin" "${sweep[@]}" --shard "$k/2" --out "$dir/s$k.csv" >/dev/null 2>&1; done
before=$(cat "$dir"/s* | sha256sum)
strace -qq -e trace=write -o "$work/count.log" "$bin" merge "$dir/count.csv" "$dir/s1.csv" "$dir/s2.csv" >/dev/null 2>&1
total=$(count)
((total > 2)) || fail merge "strace counted $total writes"
for fault in signal=KILL error=ENOSPC; do
  for ((n = 1; n <= total; n++)); do
    rm -f "$dir"/m*
    (strace -qq -o /dev/null -e trace=write -e "inject=write:$fault:when=$n" \
      "$bin" merge "$dir/m.csv" "$dir/s1.csv" "$dir/s2.csv") >/dev/null 2>&1 || true
    [[ $(cat "$dir"/s* | sha256sum) == "$before" ]] || fail "merge, $fault at write $n" "an input changed"
    if [[ -s $dir/m.csv ]]; then
      check "merge, $fault at write $n" "$dir/m.csv"
    else
      "$bin" merge "$dir/m.csv" "$dir/s1.csv" "$dir/s2.csv" >/dev/null 2>"$work/err" \
        || fail "merge, $fault at write $n" "merging again fails: $(cat "$work/err")"
      check "merge, $fault at write $n" "$dir/m.csv"
    fi
    cases=$((cases + 1))
  done
  echo "crash-test: merge: $fault at each of $total writes: inputs intact, output whole or redone" >&2
done
echo "crash-test: passed, $cases faults injected" >&2
