"""Cross-check of dcnbench's change points against Apache Otava on the same seeded series.

Series of run medians in commit order, seeded (numpy's PCG64), of three kinds:
  - one step of +4 to +10 % at a random run, 1 % noise (a regression, or its fix, landed);
  - a regression and its fix (+8 %, then back), 1 % noise;
  - flat, 1 % noise, and flat with a bimodal process effect (each run fast or 15 % slow, as
    OpenVINO's processes are), where Otava's t-test assumes normal noise and ours does not.
Each series goes to `dcnbench changepoints` (E-divisive, permutation test, significance 0.001)
and to Otava's compute_change_points (E-divisive candidates, t-test, max_pvalue 0.001). A known
step counts as found when a change point lies within one run of it.

Fails (exit 1) unless dcnbench finds at least 95 % of the known steps, puts a false change point
in at most 2 % of the plain flat series, and finds every step that Otava finds in at least 90 %
of the stepped series. Prints the counts of both, bimodal ones included (reported, not gated:
that is where the two are expected to differ).

Usage: python3 scripts/otava_check.py [DCNBENCH]   (default .build/release/dcnbench)
The first run creates .venv-otava from scripts/otava-requirements.txt and runs itself there.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
import pyvenv  # noqa: E402

pyvenv.ensure(".venv-otava", os.path.join(HERE, "otava-requirements.txt"), "apache-otava")

import numpy as np  # noqa: E402
from otava.analysis import compute_change_points  # noqa: E402

DCNBENCH = sys.argv[1] if len(sys.argv) > 1 else os.path.join(pyvenv.ROOT, ".build", "release", "dcnbench")
RUNS = 40


def ours(values):
    text = "\n".join(repr(float(v)) for v in values) + "\n"
    out = subprocess.run([DCNBENCH, "changepoints", "-", "--json"], input=text, capture_output=True,
                         text=True, check=True).stdout
    return [p["index"] for p in json.loads(out)]


def otava(values):
    points, _ = compute_change_points(list(map(float, values)), max_pvalue=0.001)
    return [int(p.index) for p in points]


def found(steps, points):
    return sum(any(abs(p - s) <= 1 for p in points) for s in steps)


def main():
    rng = np.random.default_rng(20261129)
    series = []
    for _ in range(40):
        at = int(rng.integers(8, RUNS - 7))
        factor = 1 + float(rng.uniform(0.04, 0.10)) * (1 if rng.random() < 0.5 else -1)
        level = np.where(np.arange(RUNS) >= at, factor, 1.0)
        series.append(("step", [at], level * (1 + 0.01 * rng.standard_normal(RUNS))))
    for _ in range(10):
        level = np.where((np.arange(RUNS) >= 13) & (np.arange(RUNS) < 27), 1.08, 1.0)
        series.append(("regression and fix", [13, 27], level * (1 + 0.01 * rng.standard_normal(RUNS))))
    for _ in range(50):
        series.append(("flat", [], 1 + 0.01 * rng.standard_normal(RUNS)))
    for _ in range(50):
        mode = np.where(rng.random(RUNS) < 0.5, 1.15, 1.0)
        series.append(("flat, bimodal", [], mode * (1 + 0.01 * rng.standard_normal(RUNS))))

    tally = {}
    agree_steps = stepped = 0
    for kind, steps, values in series:
        a, b = ours(values), otava(values)
        t = tally.setdefault(kind, {"series": 0, "steps": 0, "ours found": 0, "otava found": 0,
                                    "ours false": 0, "otava false": 0})
        t["series"] += 1
        t["steps"] += len(steps)
        t["ours found"] += found(steps, a)
        t["otava found"] += found(steps, b)
        t["ours false"] += len(a) - found(steps, a) if steps else len(a)
        t["otava false"] += len(b) - found(steps, b) if steps else len(b)
        if steps:
            stepped += 1
            agree_steps += all(any(abs(p - q) <= 1 for p in a) for q in b if any(abs(q - s) <= 1 for s in steps))

    columns = ["series", "steps", "ours found", "otava found", "ours false", "otava false"]
    print("| kind | " + " | ".join(columns) + " |")
    print("| --- |" + " ---: |" * len(columns))
    for kind, t in tally.items():
        print(f"| {kind} | " + " | ".join(str(t[c]) for c in columns) + " |")
    print(f"stepped series where dcnbench finds every step Otava finds: {agree_steps} of {stepped}")

    steps = sum(t["steps"] for t in tally.values())
    ours_found = sum(t["ours found"] for t in tally.values())
    problems = []
    if ours_found < 0.95 * steps:
        problems.append(f"dcnbench found {ours_found} of {steps} known steps (needs 95 %)")
    if tally["flat"]["ours false"] > 0.02 * tally["flat"]["series"]:
        problems.append(f"dcnbench put {tally['flat']['ours false']} change points in 50 flat series")
    if agree_steps < 0.9 * stepped:
        problems.append(f"dcnbench missed Otava's steps in {stepped - agree_steps} of {stepped} series")
    for p in problems:
        print("FAIL:", p)
    print("otava cross-check:", "failed" if problems else "passed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
