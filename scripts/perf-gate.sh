#!/usr/bin/env bash
# The CI performance check, against the baselines committed in baselines/:
#  1. the gate: instructions per call of the smoke preset's single-thread points, counted under
#     valgrind (deterministic), must not grow by more than 1% (compare exit 2 fails CI), and no
#     baseline point may be missing from the run;
#  2. the report: the smoke preset timed in 3 processes and compared with --normalize against a
#     baseline of 3 processes (compare's minimum for a timing verdict); printed, never fatal,
#     because timings between jobs on a shared VM drift by more than the changes worth catching.
# Update the baselines with scripts/update-baselines.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== instruction-count gate (smoke, 1 thread, valgrind) =="
bash scripts/instructions.sh --preset smoke --out "$tmp/instructions.csv" --quiet >/dev/null
portable="$(DCNBENCH_PORTABLE=1 swift build -c release --scratch-path .build-portable --show-bin-path)/dcnbench"
status=0
"$portable" compare baselines/ci-baseline-instructions.csv "$tmp/instructions.csv" --markdown "$tmp/instructions.md" \
  --json "$tmp/instructions.json" || status=$?
if [ "$status" -eq 2 ] || [ "$status" -eq 1 ]; then
  echo "performance gate FAILED (compare exit $status): instructions per call grew beyond the tolerance" >&2
  exit 1
fi
# A baseline point the current run lacks (renamed, or no longer measured) would otherwise pass
# the gate unchecked.
missing=$(python3 -c 'import json, sys; print("\n".join(p["name"] for p in json.load(open(sys.argv[1]))["comparison"]["points"] if p["verdict"] == "missing"))' "$tmp/instructions.json")
if [ -n "$missing" ]; then
  echo "performance gate FAILED: baseline points missing from this run (update the baselines if intended):" >&2
  echo "$missing" >&2
  exit 1
fi

echo "== timing report (smoke, 3 processes, normalised by the in-run reference kernel; not a gate) =="
swift build -c release --product dcnbench >&2
bin="$(swift build -c release --show-bin-path)/dcnbench"
"$bin" sweep --preset smoke --processes 3 --out "$tmp/smoke.csv" --quiet >/dev/null
"$bin" compare --normalize baselines/ci-baseline.csv "$tmp/smoke.csv" || echo "(timing verdicts are reported, not enforced: exit $?)"
