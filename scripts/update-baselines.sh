#!/usr/bin/env bash
# Rewrites the baselines that CI's performance check compares against: run it on the CI
# machine kind after a change that is meant to alter performance, and commit results/.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f results/ci-baseline-instructions*.csv results/ci-baseline-instructions-context.json \
      results/ci-baseline.csv results/ci-baseline-samples.csv results/ci-baseline-context.json
bash scripts/instructions.sh --preset smoke --out results/ci-baseline-instructions.csv --quiet
bash scripts/sweep.sh --preset smoke --processes 3 --out results/ci-baseline.csv --quiet
echo "updated results/ci-baseline*.{csv,json}; review and commit them" >&2
