#!/usr/bin/env bash
# Counts instructions per kernel call of single-thread points under valgrind: a deterministic
# performance signal. Builds a portable dcnbench (valgrind cannot run AVX-512) in .build-portable.
#   scripts/instructions.sh --preset smoke --out results/x-instructions.csv
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
DCNBENCH_APT_PACKAGES+=(valgrind)
ensure_system_packages
export DCNBENCH_PORTABLE=1
swift build -c release --scratch-path .build-portable --product dcnbench >&2
bin="$(swift build -c release --scratch-path .build-portable --show-bin-path)/dcnbench"
exec "$bin" sweep --threads 1 --instructions "$@"
