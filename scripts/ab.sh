#!/usr/bin/env bash
# Same-job A/B comparison of two revisions: builds each in its own git worktree and scratch
# path, then `dcnbench ab` (of HEAD_REV's build) runs their sweeps in alternating fresh processes
# (ABBA blocks, K a side chosen from a pilot, at least 3) and judges every point with the
# process as the unit of repetition.
#
#   scripts/ab.sh BASE_REV [HEAD_REV] [-- SWEEP OPTIONS]
#   scripts/ab.sh main                          # main vs HEAD, smoke preset
#   scripts/ab.sh v0.1 HEAD -- --preset default --filter blockedGather
#
# HEAD_REV defaults to HEAD (commit your changes first). AB_OPTIONS passes options to
# `dcnbench ab` (e.g. AB_OPTIONS="--processes 5 --max-time 1200"). Both revisions must have
# dcnbench; the baseline may be older than `ab` itself (each process is a plain `sweep`). Work
# goes under .build-ab/ (git-ignored); the exit code is compare's.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: scripts/ab.sh BASE_REV [HEAD_REV] [-- SWEEP OPTIONS]" >&2; exit 1; }
source scripts/lib/deps.sh
ensure_system_packages

base_rev=$1; shift
head_rev=HEAD
if [ $# -gt 0 ] && [ "$1" != "--" ]; then head_rev=$1; shift; fi
[ "${1:-}" = "--" ] && shift
sweep_args=("$@")
[ ${#sweep_args[@]} -gt 0 ] || sweep_args=(--preset smoke)
read -r -a ab_options <<< "${AB_OPTIONS:-}"

work="$PWD/.build-ab"
out="$work/results-$(date -u +%Y%m%dT%H%M%SZ)"

build() {  # rev -> path of its dcnbench
  local sha dir
  sha=$(git rev-parse --verify "$1^{commit}")
  dir="$work/$sha"
  [ -d "$dir" ] || git worktree add --detach "$dir" "$sha" >&2
  (cd "$dir" && swift build -c release --product dcnbench --scratch-path "$dir/.build" >&2)
  echo "$dir/.build/release/dcnbench"
}

echo "building A = $base_rev and B = $head_rev" >&2
bin_a=$(build "$base_rev")
bin_b=$(build "$head_rev")

echo "results in $out" >&2
exec "$bin_b" ab "${ab_options[@]}" --out "$out" --markdown "$out.md" --json "$out.json" "$bin_a" "$bin_b" "${sweep_args[@]}"
