#!/usr/bin/env bash
# Our kernels and the peers (ONNX Runtime, OpenVINO; torchvision when installed) on the shapes of
# sweeps/peers.json, 1 and 2 threads, interleaved round by round (ours, then each peer), then a
# ratio table (best median per round set). Also checks each deformable peer's output against
# ours, and times the dense convolutions of the same shapes (ONNX Runtime Conv, OpenVINO
# Convolution; torch conv2d when installed), the reference of "as fast as a dense convolution".
#   scripts/compare-peers.sh [OUT_DIR]      (default results/peers-<host>)
# Needs scripts/peers/setup.sh once (it creates .venv-peers). PEER_ROUNDS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-results/peers-$(hostname -s)}
rounds=${PEER_ROUNDS:-2}
py=.venv-peers/bin/python
[ -x "$py" ] || bash scripts/peers/setup.sh
swift build -c release --product dcnbench >&2
bin="$(swift build -c release --show-bin-path)/dcnbench"
mkdir -p "$out"
peers=(onnxruntime openvino)
dense=(dense-onnxruntime dense-openvino)
if $py -c "import torchvision" 2>/dev/null; then peers+=(torchvision); dense+=(dense-torch); fi

echo "== outputs: each peer against ours (dcnbench verify, max abs diff)" >&2
checks=$(mktemp -d)
trap 'rm -rf "$checks"' EXIT
: > "$out/checks.txt"
for peer in "${peers[@]}"; do
  $py scripts/peers/peer_bench.py --peer "$peer" --check-dir "$checks/$peer" >&2
  "$bin" verify "$checks/$peer" | grep "(all cases)" | sed "s/^(all cases)/$peer vs ours:/" | tee -a "$out/checks.txt" || true
done

"$bin" list --sweep-file sweeps/peers.json --variants blockedGather > "$out/points.txt"
files=()
for round in $(seq 1 "$rounds"); do
  echo "== round $round/$rounds: dcnbench" >&2
  rm -f "$out/ours-r$round"*.csv "$out/ours-r$round"-context.json
  "$bin" sweep --sweep-file sweeps/peers.json --out "$out/ours-r$round.csv" --quiet >/dev/null
  files+=("$out/ours-r$round.csv")
  for peer in "${peers[@]}" "${dense[@]}"; do
    echo "== round $round/$rounds: $peer" >&2
    $py scripts/peers/peer_bench.py --peer "$peer" --points "$out/points.txt" --header-from "$out/ours-r$round.csv" \
      --out "$out/$peer-r$round.csv"
    files+=("$out/$peer-r$round.csv")
  done
done
$py scripts/peers/table.py "${files[@]}" | tee "$out/table.md"
