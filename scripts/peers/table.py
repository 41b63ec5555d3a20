#!/usr/bin/env python3
"""Ratio table of dcnbench's kernels against the peers, from CSVs in dcnbench's schema: for
each shape and thread count, the best median over all files (rounds) of each variant, its
GFLOP/s, blockedGather's speed-up over each deformable peer and its fraction of the best dense
convolution (peer:dense-*), tiled's and dispatch's speed-up over ONNX Runtime, and 2t/1t scaling
of blockedGather and dispatch.

  table.py OURS.csv [OURS2.csv ...] PEER.csv [...]   (Markdown on stdout)

Refuses (exit 3, naming the rows) when a row is under-threaded (harness.check_utilization: a
row of ours under harness.MIN_UTILIZATION, a peer's under it without T busy threads). Peer
points that kept T threads busy but stayed under it (serial parts of the peer's own) are listed
under the table with their utilization.
"""
import csv, os, sys
from collections import defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness

best = defaultdict(dict)  # (shape, threads) -> variant -> (median, gflops)
rows = []
for path in sys.argv[1:]:
    with open(path) as f:
        rows += [dict(r, file=path) for r in csv.DictReader(f) if r["status"] == "ok" and r["median_s"]]
bad = harness.check_utilization(rows)
for r in bad:
    print(f"UNDER-THREADED: {r['file']}: {r['name']}: CPU utilization {float(r['cpu_utilization']):.2f} of "
          f"{r['threads']} threads, busy on PUs [{r['pus_used']}]", file=sys.stderr)
if bad:
    sys.exit(3)
for r in rows:
    shape = "/".join(r["name"].split("/")[2:13])
    key = (shape, int(r["threads"]))
    # Weights given once (rows of schema 2 with weights=prepared) are a design of their own,
    # compared with the peers' forms with constant weights only.
    variant = r["variant"] + (" prepared" if r.get("weights") == "prepared" else "")
    # Backward rows (schema 3, direction=bwd) likewise: compared with backward rows only.
    variant += " bwd" if r.get("direction") == "bwd" else ""
    m = float(r["median_s"])
    if variant not in best[key] or m < best[key][variant][0]:
        best[key][variant] = (m, float(r["gflops"]))

everything = {v for d in best.values() for v in d}
ours = [v for v in ["blockedGather", "blockedGather prepared", "blockedGather bwd", "tiled", "dispatch"] if v in everything]
peers = sorted(v for v in everything if v.startswith("peer:") and not v.startswith("peer:dense-"))
dense = sorted(v for v in everything if v.startswith("peer:dense-"))
variants = ours + peers + dense
# (ours, peer) pairs compared: per-call weights with per-call peers, prepared with prepared.
pairs = [("blockedGather", p) for p in peers if not p.endswith(" prepared") and not p.endswith(" bwd")]
pairs += [("blockedGather bwd", p) for p in peers if p.endswith(" bwd") and "blockedGather bwd" in ours]
pairs += [("blockedGather prepared", p) for p in peers if p.endswith(" prepared") and "blockedGather prepared" in ours]


def ratio(d, a, b):
    return f"{d[a][1] / d[b][1]:.2f}×" if a in d and b in d else "–"


heads = [f"{v} GFLOP/s" for v in variants] + [f"{a} / {p[5:]}" for a, p in pairs]
fastest_ours = [v for v in ["blockedGather", "blockedGather prepared"] if v in ours]
if dense:
    heads += [f"{v} / best dense" for v in fastest_ours]
heads += [f"{v} / onnxruntime" for v in ours if v in ("tiled", "dispatch") and "peer:onnxruntime" in peers]
scaled = [v for v in ["blockedGather", "blockedGather bwd", "dispatch"] if v in ours]
heads += [f"{v} t2/t1" for v in scaled]
backward = "blockedGather bwd" in ours and "blockedGather" in ours
if backward:
    heads += ["bwd time / fwd time"]
print("| shape | threads | " + " | ".join(heads) + " |")
print("| --- | ---: |" + " ---: |" * len(heads))
for (shape, t) in sorted(best, key=lambda k: (k[0], k[1])):
    d = best[(shape, t)]
    cells = [f"{d[v][1]:.1f}" if v in d else "–" for v in variants]
    cells += [ratio(d, a, p) for a, p in pairs]
    if dense:
        top = max((v for v in dense if v in d), key=lambda v: d[v][1], default=None)
        cells += [f"{ratio(d, v, top)} ({top[11:]})" if top else "–" for v in fastest_ours]
    cells += [ratio(d, v, "peer:onnxruntime") for v in ours if v in ("tiled", "dispatch") and "peer:onnxruntime" in peers]
    one = best.get((shape, 1), {})
    cells += [f"{d[v][1] / one[v][1]:.2f}×" if t > 1 and v in d and v in one else "–" for v in scaled]
    if backward:
        both = "blockedGather bwd" in d and "blockedGather" in d
        cells += [f"{d['blockedGather bwd'][0] / d['blockedGather'][0]:.2f}×" if both else "–"]
    print(f"| {shape} | {t} | " + " | ".join(cells) + " |")

serial = sorted({(r["name"], round(float(r["cpu_utilization"]), 2)) for r in rows
                 if float(r["cpu_utilization"]) < harness.MIN_UTILIZATION})
if serial:
    print()
    print(f"Peer points under {harness.MIN_UTILIZATION} CPU utilization with all their threads busy "
          "(serial parts of the peer's own; utilization of each round):")
    print()
    for name, util in serial:
        print(f"- {name}: {util}")
