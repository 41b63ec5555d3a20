#!/usr/bin/env bash
# Rewrites the baselines that CI's performance check compares against: run it on the CI
# machine kind after a change that is meant to alter performance, and commit baselines/.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f baselines/ci-baseline-instructions*.csv baselines/ci-baseline-instructions-context.json \
      baselines/ci-baseline.csv baselines/ci-baseline-samples.csv baselines/ci-baseline-context.json
bash scripts/instructions.sh --preset smoke --out baselines/ci-baseline-instructions.csv --quiet
bash scripts/sweep.sh --preset smoke --processes 3 --out baselines/ci-baseline.csv --quiet
echo "updated baselines/ci-baseline*.{csv,json}; review and commit them" >&2
