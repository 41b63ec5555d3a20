#!/usr/bin/env python3
"""Ratio table of dcnbench's kernels against the peers, from CSVs in dcnbench's schema: for
each shape and thread count, the best median over all files (rounds) of each variant, its
GFLOP/s, blockedGather's speed-up over each deformable peer and its fraction of the best dense
convolution (peer:dense-*), tiled's and dispatch's speed-up over ONNX Runtime, and 2t/1t scaling.

  table.py OURS.csv [OURS2.csv ...] PEER.csv [...]   (Markdown on stdout)
"""
import csv, sys
from collections import defaultdict

best = defaultdict(dict)  # (shape, threads) -> variant -> (median, gflops)
for path in sys.argv[1:]:
    for r in csv.DictReader(open(path)):
        if r["status"] != "ok" or not r["median_s"]:
            continue
        shape = "/".join(r["name"].split("/")[2:13])
        key = (shape, int(r["threads"]))
        m = float(r["median_s"])
        if r["variant"] not in best[key] or m < best[key][r["variant"]][0]:
            best[key][r["variant"]] = (m, float(r["gflops"]))

ours = [v for v in ["blockedGather", "tiled", "dispatch"] if any(v in d for d in best.values())]
peers = sorted({v for d in best.values() for v in d if v.startswith("peer:") and not v.startswith("peer:dense-")})
dense = sorted({v for d in best.values() for v in d if v.startswith("peer:dense-")})
variants = ours + peers + dense


def ratio(d, a, b):
    return f"{d[a][1] / d[b][1]:.2f}×" if a in d and b in d else "–"


heads = [f"{v} GFLOP/s" for v in variants] + [f"blockedGather / {p[5:]}" for p in peers]
if dense:
    heads.append("blockedGather / best dense")
heads += [f"{v} / onnxruntime" for v in ours if v != "blockedGather" and "peer:onnxruntime" in peers]
heads.append("blockedGather t2/t1")
print("| shape | threads | " + " | ".join(heads) + " |")
print("| --- | ---: |" + " ---: |" * len(heads))
for (shape, t) in sorted(best, key=lambda k: (k[0], k[1])):
    d = best[(shape, t)]
    cells = [f"{d[v][1]:.1f}" if v in d else "–" for v in variants]
    cells += [ratio(d, "blockedGather", p) for p in peers]
    if dense:
        top = max((v for v in dense if v in d), key=lambda v: d[v][1], default=None)
        cells.append(f"{ratio(d, 'blockedGather', top)} ({top[11:]})" if top else "–")
    cells += [ratio(d, v, "peer:onnxruntime") for v in ours if v != "blockedGather" and "peer:onnxruntime" in peers]
    one = best.get((shape, 1), {})
    cells.append(f"{d['blockedGather'][1] / one['blockedGather'][1]:.2f}×" if t > 1 and "blockedGather" in d and "blockedGather" in one else "–")
    print(f"| {shape} | {t} | " + " | ".join(cells) + " |")
