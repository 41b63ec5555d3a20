#!/usr/bin/env bash
# Runs a benchmark sweep on a fresh machine: installs the system packages if missing, builds
# dcnbench in release (Package.swift adds -target-cpu native, so the kernels use the CPU's
# widest vectors), then `dcnbench sweep` with the given arguments (default: the default preset).
#   scripts/sweep.sh                       # default preset -> results/<host>-<date>-default.csv
#   scripts/sweep.sh --preset smoke
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
ensure_system_packages
swift build -c release --product dcnbench >&2
bin="$(swift build -c release --show-bin-path)/dcnbench"
if [ $# -eq 0 ]; then set -- --preset default; fi
exec "$bin" sweep "$@"
