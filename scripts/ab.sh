#!/usr/bin/env bash
# Same-job A/B comparison: builds two revisions in their own git worktrees and scratch paths,
# runs their sweeps alternately (A B, A B, …) on the same points, then compares the pooled
# samples with `dcnbench compare`. Within one job the machine's drift hits both sides alike.
#
#   scripts/ab.sh BASE_REV [HEAD_REV] [-- SWEEP OPTIONS]
#   scripts/ab.sh main                          # main vs HEAD, smoke preset
#   scripts/ab.sh v0.1 HEAD -- --preset default --filter blockedGather
#
# HEAD_REV defaults to HEAD (commit your changes first). AB_ROUNDS (default 5) rounds of
# AB_SAMPLES (default 3) samples per side: 15 samples per point and side. Both revisions must
# have dcnbench. Work goes under .build-ab/ (git-ignored); the exit code is compare's.
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
rounds=${AB_ROUNDS:-5}
samples=${AB_SAMPLES:-3}

work="$PWD/.build-ab"
out="$work/results-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"

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

list_a=() list_b=()
for round in $(seq 1 "$rounds"); do
  for side in a b; do
    bin_var="bin_$side"
    file="$out/$side-r$round.csv"
    echo "round $round/$rounds: $side" >&2
    "${!bin_var}" sweep "${sweep_args[@]}" --samples "$samples" --out "$file" --quiet >/dev/null
    if [ "$side" = a ]; then list_a+=("$file"); else list_b+=("$file"); fi
  done
done

join() { local IFS=,; echo "$*"; }
echo "results in $out" >&2
exec "$bin_b" compare "$(join "${list_a[@]}")" "$(join "${list_b[@]}")" \
  --markdown "$out/compare.md" --json "$out/compare.json"
