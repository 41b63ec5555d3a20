"""How the results store scales: N runs (copies of a committed results file under new run ids)
added to a new SQLite store one `dcnbench store add` at a time, then `history` over all of them.
Prints the store's size and the add and history times.
  python3 scripts/store-scale.py [N] [DCNBENCH]     (default 1000, .build/release/dcnbench)
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURE = os.path.join(ROOT, "Tests", "Fixtures", "smoke.csv")  # 36 points, 1080 samples


def copy_run(directory, k):
    """The fixture as run k: its run id replaced in all three files, its date one minute later."""
    base = os.path.join(directory, f"run{k}.csv")
    old = "524a616983c15430"
    new = f"{k:016x}"
    for suffix, target in [(".csv", base), ("-samples.csv", base[:-4] + "-samples.csv")]:
        with open(FIXTURE[:-4] + suffix) as f:
            text = f.read()
        with open(target, "w") as f:
            f.write(text.replace(old, new))
    context = json.load(open(FIXTURE[:-4] + "-context.json"))
    context["runID"] = new
    context["date"] = f"2026-01-01T{k // 60 // 60 % 24:02d}:{k // 60 % 60:02d}:{k % 60:02d}Z"
    json.dump(context, open(base[:-4] + "-context.json", "w"))
    return base


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    exe = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, ".build", "release", "dcnbench")
    work = tempfile.mkdtemp()
    try:
        store = os.path.join(work, "store.sqlite")
        files = [copy_run(work, k) for k in range(n)]
        adds = []
        for path in files:
            start = time.perf_counter()
            subprocess.run([exe, "store", "add", path, "--store", store], check=True, capture_output=True)
            adds.append(time.perf_counter() - start)
        size = sum(os.path.getsize(os.path.join(work, f)) for f in os.listdir(work) if f.startswith("store.sqlite"))
        start = time.perf_counter()
        out = subprocess.run([exe, "history", "--json", "--order", "date", "--store", store], check=True,
                             capture_output=True, text=True).stdout
        history = time.perf_counter() - start
        series = json.loads(out)["series"]
        first, last = sum(adds[:10]) / 10, sum(adds[-10:]) / 10
        adds.sort()
        print(f"{n} runs of 36 points and 1080 samples each: store {size / 1e6:.1f} MB "
              f"({size / n / 1e3:.0f} kB a run)")
        print(f"store add (one process per run): median {adds[len(adds) // 2] * 1e3:.0f} ms, max {adds[-1] * 1e3:.0f} ms; "
              f"first 10 runs {first * 1e3:.0f} ms each, last 10 {last * 1e3:.0f} ms each")
        print(f"history --json over {len(series)} series of {len(series[0]['entries'])} runs: {history:.1f} s")
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
