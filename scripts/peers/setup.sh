#!/usr/bin/env bash
# Creates .venv-peers with the peers from PyPI at the versions the committed tables were
# measured with (requirements.txt: onnx + onnxruntime, openvino), and only with PEERS_TORCH=1
# torch + torchvision (requirements-torch.txt; its PyPI wheel pulls several GB of CUDA packages
# although it runs on the CPU). TORCH_WHEEL=/path/to/torch.whl installs a local wheel instead.
set -euo pipefail
cd "$(dirname "$0")/../.."
here=scripts/peers
python3 -m venv .venv-peers
.venv-peers/bin/pip install -q --upgrade pip
.venv-peers/bin/pip install -q -r "$here/requirements.txt"
if [ -n "${TORCH_WHEEL:-}" ]; then
  .venv-peers/bin/pip install -q "$TORCH_WHEEL" "$(grep '^torchvision==' "$here/requirements-torch.txt")"
elif [ "${PEERS_TORCH:-0}" = 1 ]; then
  .venv-peers/bin/pip install -q -r "$here/requirements-torch.txt"
fi
.venv-peers/bin/python - <<'PY'
import importlib
for name in ["numpy", "onnxruntime", "openvino", "torch", "torchvision"]:
    try:
        print(name, importlib.import_module(name).__version__)
    except ImportError:
        print(name, "not installed")
PY
