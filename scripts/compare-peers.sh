#!/usr/bin/env bash
# Our kernels and the peers (ONNX Runtime, OpenVINO; torchvision when installed) on the shapes of
# sweeps/peers.json, 1 and 2 threads, interleaved round by round (ours, then each peer), then a
# ratio table (best median per round set). Also checks each deformable peer's output against
# ours, and times the dense convolutions of the same shapes (ONNX Runtime Conv, OpenVINO
# Convolution; torch conv2d when installed), the reference of "as fast as a dense convolution".
#   scripts/compare-peers.sh [OUT_DIR]      (default results/peers-<host>)
# Needs scripts/peers/setup.sh once (it creates .venv-peers). PEER_ROUNDS (default 2).
#
# Fairness: every (peer, thread count T) runs in a process of its own, started by taskset on T
# CPUs (one per core first) before the peer library loads, and told to use T threads; each row
# records its CPU utilization, and a point under 0.8 (it did not run T threads) stops the run
# (peer_bench.py exits 3) or, for rows of ours, makes table.py refuse the table.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-results/peers-$(hostname -s)}
rounds=${PEER_ROUNDS:-2}
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
"$bin" list --sweep-file sweeps/peers.json --variants blockedGather --json > "$out/points.json"
threads=$(python3 -c 'import json, sys; print(*sorted({p["threads"] for p in json.load(open(sys.argv[1]))["points"]}))' "$out/points.json")
files=()
for round in $(seq 1 "$rounds"); do
  echo "== round $round/$rounds: dcnbench" >&2
  "$bin" sweep --sweep-file sweeps/peers.json --out "$out/ours-r$round.csv" --quiet >/dev/null
  files+=("$out/ours-r$round.csv")
  for peer in "${peers[@]}" "${dense[@]}"; do
    for t in $threads; do
      echo "== round $round/$rounds: $peer, $t threads" >&2
      peer_bench "$peer" "$t" --points "$out/points.json" --out "$out/$peer-t$t-r$round.csv"
      files+=("$out/$peer-t$t-r$round.csv")
    done
  done
done
$py scripts/peers/table.py "${files[@]}" > "$out/table.md"
cat "$out/table.md"
