#!/usr/bin/env bash
# Past commits' runs into the results store, like `asv run A..B`: each commit of REV_RANGE
# (oldest first) is checked out in a worktree of its own (.backfill-worktree), built there
# (one scratch folder for all, so each build is incremental), swept with that commit's own
# dcnbench, and its results added to the store by this checkout's dcnbench.
#   scripts/backfill.sh [-i] [-a] [-s STORE] [-o DIR] REV_RANGE [-- SWEEP OPTIONS...]
#     -a   every commit; without it, only commits that change Sources/ or Package.swift (the
#          others build the same dcnbench as their parent)
#     -i   count instructions (portable build under valgrind, 1 thread: exact, noise-free
#          history) instead of timing
#     -s   the store (default $DCNBENCH_STORE, else results/store.sqlite)
#     -o   where each commit's results files go (default results/backfill[-instructions])
# A commit already measured (its file in DIR) is not measured again, only added (a no-op when
# stored); a commit that does not build or run is reported and skipped.
# Examples:
#   scripts/backfill.sh -i HEAD~40..HEAD -- --preset smoke
#   scripts/backfill.sh HEAD~10..HEAD -- --preset smoke --filter '^blockedGather/' --processes 3
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
instructions= store= out= all=
while getopts "ias:o:" opt; do
  case $opt in
    i) instructions=1 ;; a) all=1 ;; s) store=$OPTARG ;; o) out=$OPTARG ;;
    *) echo "usage: $0 [-i] [-a] [-s STORE] [-o DIR] REV_RANGE [-- SWEEP OPTIONS...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
range=${1:?usage: $0 [-i] [-a] [-s STORE] [-o DIR] REV_RANGE [-- SWEEP OPTIONS...]}
shift
[ "${1:-}" = "--" ] && shift
commits=$(git rev-list --reverse "$range") || { echo "backfill.sh: '$range' is not a range of this repository" >&2; exit 2; }
[ -n "$commits" ] || { echo "backfill.sh: no commits in $range" >&2; exit 2; }
out=${out:-results/backfill${instructions:+-instructions}}
mkdir -p "$out"
out=$(cd "$out" && pwd)
store=${store:-${DCNBENCH_STORE:-results/store.sqlite}}

source scripts/lib/deps.sh
[ -n "$instructions" ] && DCNBENCH_APT_PACKAGES+=(valgrind)
ensure_system_packages
swift build -c release --product dcnbench >&2
current="$(swift build -c release --show-bin-path)/dcnbench"

worktree=$root/.backfill-worktree
scratch=$root/.build-backfill${instructions:+-portable}
[ -d "$worktree" ] || git worktree add -q --detach "$worktree" HEAD
sweep_flags=(--quiet)
[ -n "$instructions" ] && sweep_flags+=(--threads 1 --instructions)
failed=()
for commit in $commits; do
  short=${commit:0:10}
  file=$out/$commit.csv
  if [ -z "$all" ] && git rev-parse -q --verify "$commit^" >/dev/null && git diff --quiet "$commit^" "$commit" -- Sources Package.swift; then
    continue
  fi
  if [ ! -e "$file" ]; then
    echo "== $short $(git log -1 --format=%s "$commit" | cut -c1-60)" >&2
    git -C "$worktree" checkout -q --detach -f "$commit"
    if ! (cd "$worktree" && DCNBENCH_PORTABLE=${instructions:+1} swift build -c release --product dcnbench \
          --scratch-path "$scratch" >"$out/$commit.build.log" 2>&1); then
      echo "   $short does not build (see $out/$commit.build.log); skipped" >&2
      failed+=("$short")
      continue
    fi
    bin="$(cd "$worktree" && DCNBENCH_PORTABLE=${instructions:+1} swift build -c release --scratch-path "$scratch" --show-bin-path)/dcnbench"
    if ! (cd "$worktree" && "$bin" sweep "${sweep_flags[@]}" "$@" --out "$file" >"$out/$commit.sweep.log" 2>&1); then
      echo "   $short: the sweep failed (see $out/$commit.sweep.log); skipped" >&2
      rm -f "$file" "${file%.csv}-samples.csv" "${file%.csv}-context.json"
      failed+=("$short")
      continue
    fi
  fi
  "$current" store add "$file" --store "$store"
done
[ ${#failed[@]} -eq 0 ] || echo "backfill.sh: not measured: ${failed[*]}" >&2
