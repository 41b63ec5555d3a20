#!/usr/bin/env bash
# A dcnbench sweep spread over a Slurm cluster as a job array, then merged:
#   scripts/slurm/submit.sh [-n SHARDS] [-c AT_ONCE] [-p CPUS_PER_TASK] [-t TIMEOUT_S] OUT.csv SWEEP_OPTIONS...
# Builds dcnbench once per CPU target (x86-64-v3: AVX2; x86-64-v4: AVX-512) into
# .build-slurm/bin, submits scripts/slurm/sweep.sbatch as an array of SHARDS tasks (default 4),
# at most AT_ONCE at a time (default all), each with CPUS_PER_TASK CPUs (default 2), waits for
# it (`sbatch --wait`, under TIMEOUT_S, default 3600), and merges the shards into OUT.csv
# (`dcnbench merge`). Shard files and the tasks' logs stay in OUT-shards/.
# Give --threads explicitly: a preset's default (1…cores) would be counted inside each
# allocation, so shards of different allocation sizes would not add up to one sweep.
set -euo pipefail
cd "$(dirname "$0")/../.."
shards=4 at_once= cpus=2 limit=3600
while getopts "n:c:p:t:" opt; do
  case $opt in
    n) shards=$OPTARG ;; c) at_once=$OPTARG ;; p) cpus=$OPTARG ;; t) limit=$OPTARG ;;
    *) echo "usage: $0 [-n SHARDS] [-c AT_ONCE] [-p CPUS_PER_TASK] [-t TIMEOUT_S] OUT.csv SWEEP_OPTIONS..." >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
out=${1:?usage: $0 [-n SHARDS] [-c AT_ONCE] [-p CPUS] OUT.csv SWEEP_OPTIONS...}
shift
[ -e "$out" ] && { echo "submit.sh: $out exists; choose a new file" >&2; exit 2; }
shard_dir="${out%.csv}-shards"
mkdir -p "$shard_dir"
# One binary for every node: $DCNBENCH if given (a homogeneous cluster, or a check), else a
# build per CPU target, of which each task runs the one its node can execute.
bin_dir=$(pwd)/.build-slurm/bin
if [ -z "${DCNBENCH:-}" ]; then
  mkdir -p "$bin_dir"
  for target in x86-64-v3 x86-64-v4; do
    DCNBENCH_TARGET_CPU=$target swift build -c release --product dcnbench --scratch-path ".build-slurm/$target" >&2
    cp "$(DCNBENCH_TARGET_CPU=$target swift build -c release --scratch-path ".build-slurm/$target" --show-bin-path)/dcnbench" "$bin_dir/dcnbench-$target"
  done
fi
merge_bin=${DCNBENCH:-$bin_dir/dcnbench-x86-64-v3}
array="0-$((shards - 1))${at_once:+%$at_once}"
echo "submitting $shards shards ($array), $cpus CPUs each" >&2
(cd "$shard_dir" && DCNBENCH_BIN_DIR=$bin_dir timeout "$limit" sbatch --wait --array="$array" --cpus-per-task="$cpus" \
  --export=ALL "$OLDPWD/scripts/slurm/sweep.sbatch" "$(pwd)" "$@")
"$merge_bin" merge "$out" "$shard_dir"/shard-*-of-"$shards".csv
