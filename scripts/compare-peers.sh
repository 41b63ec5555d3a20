#!/usr/bin/env bash
# Our kernels and the peers (ONNX Runtime, OpenVINO; torchvision when installed) on the shapes of
# sweeps/peers.json, 1 and 2 threads, each side in PEER_PROCESSES fresh processes (default 5):
# round k runs one process of ours and one of each (peer, thread count), in an order shuffled per
# round (seed PEER_SEED, default 1), so that drift and neighbours fall on every side alike. Also
# checks each deformable peer's output against ours, and times the dense convolutions of the same
# shapes (ONNX Runtime Conv, OpenVINO Convolution; torch conv2d when installed), the reference of
# "as fast as a dense convolution". The table is `dcnbench report` of all the files
# (docs/verdicts.md: the process is the unit of repetition; each ratio with its 95 % interval).
#   scripts/compare-peers.sh [OUT_DIR]      (default results/peers-<host>)
# Needs scripts/peers/setup.sh once (it creates .venv-peers).
#
# Fairness: every (peer, thread count T) runs in a process of its own, started by taskset on T
# CPUs (one per core first) before the peer library loads, and told to use T threads; each row
# records its CPU utilization, and a point under 0.8 (it did not run T threads) stops the run
# (peer_bench.py exits 3) or, for rows of ours, is listed under the table by `dcnbench report`.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-results/peers-$(hostname -s)}
processes=${PEER_PROCESSES:-5}
seed=${PEER_SEED:-1}
if ! [[ $processes =~ ^[0-9]+$ ]] || ((processes < 1 || processes > 100)); then
  echo "compare-peers.sh: PEER_PROCESSES must be a whole number from 1 to 100 (2 or more for an interval), got '$processes'" >&2
  exit 2
fi
if ! [[ $seed =~ ^[0-9]+$ ]]; then
  echo "compare-peers.sh: PEER_SEED must be a whole number, got '$seed'" >&2
  exit 2
fi
py=.venv-peers/bin/python
[ -x "$py" ] || bash scripts/peers/setup.sh
swift build -c release --product dcnbench >&2
bin="$(swift build -c release --show-bin-path)/dcnbench"
if compgen -G "$out/*.csv" >/dev/null; then
  echo "compare-peers.sh: $out holds results already; name a new folder (or remove them)" >&2
  exit 2
fi
mkdir -p "$out"
peers=(onnxruntime openvino)
dense=(dense-onnxruntime dense-openvino)
if $py -c "import torchvision" 2>/dev/null; then peers+=(torchvision); dense+=(dense-torch); fi
$py - > "$out/versions.txt" <<'PY'
import importlib
for name in ["numpy", "onnxruntime", "openvino", "torch", "torchvision"]:
    try:
        print(name, importlib.import_module(name).__version__)
    except ImportError:
        pass
PY

# peer_bench.py PEER T ARGS...: the peer in its own process, pinned to T CPUs before it starts.
peer_bench() {
  local peer=$1 t=$2; shift 2
  taskset -c "$(python3 scripts/peers/harness.py cpus "$t")" $py scripts/peers/peer_bench.py --peer "$peer" --threads "$t" "$@"
}

echo "== outputs: each peer against ours (dcnbench verify, max abs diff)" >&2
checks=$(mktemp -d)
trap 'rm -rf "$checks"' EXIT
: > "$out/checks.txt"
"$bin" list --variants blockedGather --versions v2 --channels 64 --hw 28 --offset-groups 2 --threads 1 \
  --layouts nchw --weights call --directions fwd --json > "$checks/point.json"
for peer in "${peers[@]}"; do
  peer_bench "$peer" 1 --points "$checks/point.json" --check-dir "$checks/$peer" >&2
  "$bin" verify "$checks/$peer" | grep "(all cases)" | sed "s/^(all cases)/$peer vs ours:/" | tee -a "$out/checks.txt" || true
done

# The points, their fields and FLOPs as dcnbench gives them (the contract: no script parses a name).
"$bin" list --sweep-file sweeps/peers.json --filter '^blockedGather/' --json > "$out/points.json"
threads=$(python3 -c 'import json, sys; print(*sorted({p["threads"] for p in json.load(open(sys.argv[1]))["points"]}))' "$out/points.json")
files=()
runs=(ours)
for peer in "${peers[@]}" "${dense[@]}"; do
  for t in $threads; do runs+=("$peer:$t"); done
done
for round in $(seq 1 "$processes"); do
  # This round's order: the runs shuffled by (seed, round), so no side always runs first.
  order=$(python3 -c 'import random, sys; r = sys.argv[3:]; random.Random(int(sys.argv[1]) * 1000003 + int(sys.argv[2])).shuffle(r); print(*r)' \
    "$seed" "$round" "${runs[@]}")
  for run in $order; do
    echo "== process $round/$processes: $run" >&2
    if [ "$run" = ours ]; then
      # Each process of ours draws its own tensor layout (--seed), as `sweep --processes` does.
      "$bin" sweep --sweep-file sweeps/peers.json --seed "$((seed * 1000 + round))" --out "$out/ours-p$round.csv" \
        --quiet >/dev/null
      files+=("$out/ours-p$round.csv")
    else
      peer=${run%:*} t=${run#*:}
      peer_bench "$peer" "$t" --points "$out/points.json" --out "$out/$peer-t$t-p$round.csv"
      files+=("$out/$peer-t$t-p$round.csv")
    fi
  done
done
"$bin" report "${files[@]}" --out "$out/report.md"
sed -n '/^## Against the peers/,$p' "$out/report.md"
