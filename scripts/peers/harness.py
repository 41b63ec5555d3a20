"""The measuring side of the peer harness, standard library only (tested without the peers).

Fairness rules it enforces (docs/performance/zen4-2026-11-26.md, "Against the peers"):
- a peer process measures one thread count T, and starts already pinned to T CPUs
  (`taskset -c`, done by compare-peers.sh) before any peer library is imported: runtimes that
  size their thread pool when they start (OpenVINO's TBB arena, torch's OpenMP) keep the mask
  they saw then, so narrowing and widening one process's mask between points under-threads
  them (docs/design-measurements.md);
- each point records its CPU utilization (process CPU time / wall time / T over the timed
  samples, as dcnbench's own rows do) and the PUs of its busy threads (a thread is busy when it
  ran for at least `BUSY_SHARE` of the samples' wall time). A point under `MIN_UTILIZATION` is
  refused when fewer than T threads were busy: the peer did not run T threads (the
  under-threading above). With T busy threads it is kept and the tables show its utilization:
  the peer runs T threads but has serial parts of its own (torchvision's CPU deform_conv2d
  samples its columns on one thread and threads only the GEMM);
- where a peer's serial part is so large that its other threads stay under `BUSY_SHARE`
  (torchvision's backward: col2im on one thread, only the GEMMs threaded), the process first runs
  a pool probe (`pool_probe`: a call that the library threads fully, e.g. a large matmul) and
  records its busy threads in the row (`probe_label`); a row whose probe kept T threads busy
  shows the pool was sized right, and is kept and listed like the others with serial parts.
"""
import re
import os
import json
import statistics
import time

# A T-thread point whose threads really ran sits near 1.0; the failure this guards against
# (a pool sized for fewer CPUs than T) gives at most (T-1)/T = 0.5 at T = 2.
MIN_UTILIZATION = 0.8
BUSY_SHARE = 0.1


def points(path):
    """The points of a `dcnbench list --json` file, each as the peers take it (`point`), with the
    results file's columns and schema version: the contract with dcnbench, which owns every field
    (no point name is taken apart and no FLOP count recomputed here)."""
    with open(path) as f:
        listing = json.load(f)
    if not isinstance(listing, dict) or not {"schema_version", "columns", "points"} <= set(listing):
        raise SystemExit(f"{path}: not the output of `dcnbench list --json` (schema_version, columns, points)")
    return listing["schema_version"], listing["columns"], [point(entry) for entry in listing["points"]]


def point(entry):
    """One point of `dcnbench list --json` under the short names the peers' builders use."""
    keys = dict(name="name", variant="variant", version="version", N="batch", Cin="in_channels", Cout="out_channels",
                H="height", W="width", kh="kernel_h", kw="kernel_w", s="stride", p="padding", d="dilation", g="groups",
                og="offset_groups", t="threads", placement="placement", layout="layout", weights="weights",
                direction="direction", ho="out_height", wo="out_width", flops="flops",
                name_without_variant="name_without_variant")
    missing = [k for k in keys.values() if k not in entry]
    if missing:
        raise SystemExit(f"not a point of `dcnbench list --json`: {entry.get('name', entry)!r} lacks {', '.join(missing)}")
    pt = {short: entry[long] for short, long in keys.items()}
    if pt["layout"] != "nchw" or pt["direction"] not in ("fwd", "bwd"):
        raise SystemExit(f"the peers take NCHW forward or backward points, not {pt['name']!r}")
    pt["fields"] = entry  # every field, under the results file's column names
    return pt


def require_pinned(threads):
    """Refuses to go on unless this process was started pinned to exactly `threads` CPUs, and
    tells OpenMP runtimes the count before any of them starts. Call before importing a peer."""
    allowed = sorted(os.sched_getaffinity(0))
    if threads < 1:
        raise SystemExit(f"--threads must be at least 1, got {threads}")
    if len(allowed) != threads:
        raise SystemExit(
            f"started with {len(allowed)} allowed CPUs ({allowed}) for a {threads}-thread measurement: start the "
            f"process pinned to {threads} CPUs (e.g. `taskset -c 0-{threads - 1} ...`), so that the peer's thread "
            f"pool is sized from the mask it will run under")
    os.environ["OMP_NUM_THREADS"] = str(threads)
    return allowed


def _thread_cpu():
    """tid -> (CPU ticks so far, the PU it last ran on) for every thread of this process."""
    out = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/stat") as f:
                stat = f.read()
        except OSError:
            continue  # the thread ended meanwhile
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "
        out[tid] = (int(fields[11]) + int(fields[12]), int(fields[36]))  # utime + stime, processor
    return out


class Measurement:
    def __init__(self, samples, iterations, utilization, pus, busy_threads):
        self.samples, self.iterations, self.utilization = samples, iterations, utilization
        self.pus, self.busy_threads = pus, busy_threads

    def stats(self):
        """The summary columns of a dcnbench row, in seconds per call."""
        s = sorted(self.samples)
        med = statistics.median(s)
        q = statistics.quantiles(s, n=10, method="inclusive") if len(s) > 1 else [s[0]] * 9
        sd = statistics.stdev(s) if len(s) > 1 else 0.0
        mean = statistics.fmean(s)
        return dict(min_s=s[0], median_s=med, mean_s=mean, p10_s=q[0], p90_s=q[-1], max_s=s[-1], stddev_s=sd,
                    mad_s=statistics.median(abs(x - med) for x in s), cv=sd / mean)


def measure(run, args, threads, samples=10, min_sample_time=0.02, warmup=0.1):
    """Warm-up, iterations calibrated to >= `min_sample_time`, then `samples` timed samples.
    Utilization is the process's CPU time over the samples / their wall time / `threads`; the
    PUs are those the busy threads last ran on."""
    start = time.perf_counter()
    calls = 0
    while calls < 3 or time.perf_counter() - start < warmup:
        run(*args)
        calls += 1
    per_call = (time.perf_counter() - start) / calls
    iterations = max(1, int(-(-min_sample_time // per_call)))
    before = _thread_cpu()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    out = []
    for _ in range(samples):
        t0 = time.perf_counter()
        for _ in range(iterations):
            run(*args)
        out.append((time.perf_counter() - t0) / iterations)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    after = _thread_cpu()
    busy_ticks = BUSY_SHARE * wall * os.sysconf("SC_CLK_TCK")
    busy = [pu for tid, (ticks, pu) in after.items() if ticks - before.get(tid, (0, 0))[0] >= busy_ticks]
    return Measurement(out, iterations, cpu / wall / threads, sorted(set(busy)), len(busy))


def pool_probe(call, seconds=0.3):
    """Busy threads and their PUs while `call` (something the peer's pool threads fully) runs
    repeatedly for `seconds`: how many threads the pool really has under this process's mask."""
    before = _thread_cpu()
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        call()
    wall = time.perf_counter() - start
    after = _thread_cpu()
    busy_ticks = BUSY_SHARE * wall * os.sysconf("SC_CLK_TCK")
    busy = [pu for tid, (ticks, pu) in after.items() if ticks - before.get(tid, (0, 0))[0] >= busy_ticks]
    return len(busy), sorted(set(busy))


def probe_label(busy, pus):
    """The text a row's `error` (label) field carries for a pool probe."""
    return f"pool probe: {busy} busy threads on PUs {pus}"


def probe_threads(row):
    """Busy threads of the row's pool probe (0 without one)."""
    match = re.search(r"pool probe: (\d+) busy threads", row.get("error") or "")
    return int(match.group(1)) if match else 0


def busy_threads(row):
    """Busy threads of a CSV row: a peer's are the PUs of its busy threads (pus_used; two busy
    threads on one PU did not run in parallel either); rows of ours count none, so they must
    reach the minimum utilization whatever."""
    if not row["variant"].startswith("peer:") or not row.get("pus_used"):
        return 0
    return len(str(row["pus_used"]).split(","))


def check_utilization(rows, minimum=MIN_UTILIZATION):
    """The under-threaded rows (CSV rows as dicts): utilization under `minimum` without
    `threads` busy threads, in the measurement or in the process's pool probe."""
    return [r for r in rows if float(r["cpu_utilization"]) < minimum
            and max(busy_threads(r), probe_threads(r)) < int(r["threads"])]


def one_pu_per_core(threads):
    """The first `threads` allowed PUs, one per core before any SMT sibling (as dcnbench's
    `close` placement), from sysfs."""
    allowed = sorted(os.sched_getaffinity(0))
    def core(cpu):
        base = f"/sys/devices/system/cpu/cpu{cpu}/topology"
        try:
            with open(f"{base}/physical_package_id") as p, open(f"{base}/core_id") as c:
                return int(p.read()), int(c.read())
        except OSError:
            return (0, cpu)
    seen, first, siblings = set(), [], []
    for cpu in allowed:
        (siblings if core(cpu) in seen else first).append(cpu)
        seen.add(core(cpu))
    chosen = (first + siblings)[:threads]
    if len(chosen) < threads:
        raise SystemExit(f"{threads} threads but only {len(allowed)} allowed CPUs")
    return chosen


if __name__ == "__main__":
    import sys
    # `harness.py cpus T`: the CPU list (for taskset -c) a T-thread peer process is pinned to.
    if len(sys.argv) != 3 or sys.argv[1] != "cpus":
        raise SystemExit("usage: harness.py cpus THREADS")
    print(",".join(map(str, one_pu_per_core(int(sys.argv[2])))))
