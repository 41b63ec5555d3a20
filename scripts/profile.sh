#!/usr/bin/env bash
# Where a kernel's time goes, by part, without hardware counters (these VMs have none): samples
# the CPU clock with `perf record -e cpu-clock` while `dcnbench sweep` times one point, then
# adds the samples of the kernel's functions up by part. Shares are of the kernel's own samples
# (the harness, reference kernel and data set-up are left out), so they do not move with the
# machine's speed from one minute to the next the way a timing does.
#   scripts/profile.sh --variants blockedGather --versions v2 --channels 64 --hw 56 --threads 1
# Arguments go to `dcnbench sweep` and should select one point. PROFILE_SAMPLES (default 20)
# samples of the sweep, PROFILE_FREQ (default 4000) samples per second.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
ensure_system_packages
if ! command -v perf >/dev/null; then
  echo "installing linux-perf" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq linux-perf >/dev/null
fi
swift build -c release --product dcnbench >&2
bin="$(swift build -c release --show-bin-path)/dcnbench"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
points=$("$bin" list "$@" | wc -l)
[ "$points" -eq 1 ] || { echo "profile.sh: the options select $points points; select one" >&2; exit 2; }
"$bin" list "$@" >&2
perf record -q -e cpu-clock -F "${PROFILE_FREQ:-4000}" -o "$tmp/perf.data" -- \
  "$bin" sweep "$@" --samples "${PROFILE_SAMPLES:-20}" --no-probes --quiet --out "$tmp/run.csv" >/dev/null 2>&1
perf report -i "$tmp/perf.data" --no-children --stdio --sort symbol 2>/dev/null | python3 -c '
import re, sys
# Swift mangled names of the DeformConv module (10DeformConv) by the part they implement, tried in
# this order (a name also mangles its parameters types: the gather takes a SamplingPlan).
parts = [("corner gather", r"KernelC6gather|CornerSet|ColumnBlocksV3run"),
         ("GEMM and output store", r"C8multiply|MicroKernel|BlockedGEMM|PackedPanelGEMM|multiplyGivenWeights"),
         ("NHWC transpose", r"ChannelsLastO9transpose"), ("weight packing", r"ChannelsLastO4pack"),
         ("sampling plan", r"SamplingPlanV|BilinearTap"),
         # e.g. what Swift inlined into the forward closure: the column transpose of the few-pixel path
         ("other kernel code", r"")]
totals = {name: 0.0 for name, _ in parts}
for line in sys.stdin:
    m = re.match(r"\s*([0-9.]+)%\s+\[\.\]\s+(\S+)", line)
    if not m or "10DeformConv" not in m.group(2) or "ReferenceEvaluator" in m.group(2):
        continue
    name = next(n for n, pattern in parts if re.search(pattern, m.group(2)))
    totals[name] += float(m.group(1))
whole = sum(totals.values())
if whole == 0:
    sys.exit("profile.sh: no samples in the kernel")
for name in ["NHWC transpose", "weight packing", "sampling plan", "corner gather", "GEMM and output store",
             "other kernel code"]:
    print(f"{name:24s} {100 * totals[name] / whole:5.1f}%")
'
