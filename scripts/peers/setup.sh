#!/usr/bin/env bash
# Creates .venv-peers with the peers from PyPI: onnx + onnxruntime, openvino, and (only with
# PEERS_TORCH=1, or TORCH_WHEEL=/path/to/torch.whl for a local wheel) torch + torchvision, whose
# PyPI wheel pulls several GB of CUDA packages although it runs on the CPU.
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 -m venv .venv-peers
.venv-peers/bin/pip install -q --upgrade pip
.venv-peers/bin/pip install -q numpy onnx onnxruntime openvino
if [ -n "${TORCH_WHEEL:-}" ]; then
  .venv-peers/bin/pip install -q "$TORCH_WHEEL" torchvision
elif [ "${PEERS_TORCH:-0}" = 1 ]; then
  .venv-peers/bin/pip install -q torch torchvision
fi
.venv-peers/bin/python - <<'PY'
import importlib
for name in ["onnxruntime", "openvino", "torchvision"]:
    try:
        print(name, importlib.import_module(name).__version__)
    except ImportError:
        print(name, "not installed")
PY
