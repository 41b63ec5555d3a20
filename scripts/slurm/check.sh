#!/usr/bin/env bash
# Integration check of the Slurm path on this machine, run by .ci/run: installs Debian's
# slurm-wlm and munge when missing, starts a one-node cluster (munged, slurmctld, slurmd as root;
# a generated slurm.conf: this host, its CPUs, task/affinity), submits the smoke preset as a
# 2-task job array through scripts/slurm/submit.sh, waits under a timeout, merges, and checks
# that the merged file holds exactly the points of the unsharded sweep, every row ok. Stops the
# daemons it started (by their pid files) on the way out, whatever happened.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/deps.sh
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  echo "installing slurm-wlm and munge" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi
start=$(date +%s)
tmp=$(mktemp -d /tmp/dcnbench-slurm.XXXXXX)
chmod 755 "$tmp"
stop() {
  for pid in "$tmp"/slurmd.pid "$tmp"/slurmctld.pid "$tmp"/munged.pid; do
    [ -s "$pid" ] && kill "$(cat "$pid")" 2>/dev/null || true
  done
  sleep 1
  rm -rf "$tmp"
}
trap stop EXIT

host=$(hostname -s)
cpus=$(nproc)
export SLURM_CONF=$tmp/slurm.conf
cat > "$SLURM_CONF" <<CONF
ClusterName=dcnbench-check
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$tmp/munge.socket
CredType=cred/munge
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
SlurmctldPort=16817
SlurmdPort=16818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=check Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
mkdir -p "$tmp/state" "$tmp/spool"
munged --force --socket="$tmp/munge.socket" --pid-file="$tmp/munged.pid" --log-file="$tmp/munged.log" \
  --seed-file="$tmp/munged.seed"
slurmctld
slurmd -N "$host"
for _ in $(seq 60); do
  state=$(sinfo -h -N -o %t 2>/dev/null | head -1)
  [ "$state" = idle ] && break
  sleep 1
done
[ "$state" = idle ] || { echo "slurm check: the node did not come up ($state)" >&2; tail -20 "$tmp"/slurm*.log >&2; exit 1; }
echo "slurm check: one-node cluster up on $host ($cpus CPUs) after $(( $(date +%s) - start )) s" >&2

swift build -c release --product dcnbench >&2
bin="$(swift build -c release --show-bin-path)/dcnbench"
out="$tmp/smoke.csv"
# --threads explicit: every task and the unsharded list count the same thread counts.
points=(--preset smoke --threads 1,"$cpus")
if ! DCNBENCH="$bin" bash scripts/slurm/submit.sh -n 2 -c 1 -p "$cpus" -t 600 "$out" "${points[@]}" \
    --samples 3 --min-sample-time 0.001 --no-probes; then
  echo "slurm check: the job array failed; its logs:" >&2
  tail -n 20 "${out%.csv}-shards"/slurm-dcnbench-*.out "$tmp"/slurmctld.log >&2 || true
  exit 1
fi
python3 - "$out" <(cd "$tmp" && "$bin" list "${points[@]}") <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
expected = [l.strip() for l in open(sys.argv[2]) if l.strip()]
names = [r["name"] for r in rows]
assert len(names) == len(set(names)), "a point appears twice in the merged file"
assert set(names) == set(expected), f"merged points differ from the unsharded sweep: missing {sorted(set(expected) - set(names))[:3]}, extra {sorted(set(names) - set(expected))[:3]}"
bad = [(r["name"], r["status"], r["error"]) for r in rows if r["status"] != "ok"]
assert not bad, f"rows not ok: {bad[:3]}"
runs = {r["run_id"] for r in rows}
print(f"slurm check: merged {len(rows)} rows from {len(runs)} shard runs = the unsharded sweep, every row ok")
PY
grep -h "^shard" "${out%.csv}-shards"/slurm-dcnbench-*.out >&2
echo "slurm check: passed in $(( $(date +%s) - start )) s" >&2
