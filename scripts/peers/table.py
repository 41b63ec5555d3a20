#!/usr/bin/env python3
"""Ratio table of dcnbench's kernels against the peers, from CSVs in dcnbench's schema: for
each shape and thread count, the best median over all files (rounds) of each variant, its
GFLOP/s, and blockedGather's speed-up over each peer.

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

variants = ["blockedGather", "tiled"] + sorted({v for d in best.values() for v in d if v.startswith("peer:")})
peers = [v for v in variants if v.startswith("peer:")]
print("| shape | threads | " + " | ".join(f"{v} GFLOP/s" for v in variants) + " | " +
      " | ".join(f"blockedGather / {p[5:]}" for p in peers) + " |")
print("| --- | ---: |" + " ---: |" * (len(variants) + len(peers)))
for (shape, t) in sorted(best, key=lambda k: (k[0], k[1])):
    d = best[(shape, t)]
    cells = [f"{d[v][1]:.1f}" if v in d else "–" for v in variants]
    ratios = [f"{d['blockedGather'][1] / d[p][1]:.2f}×" if p in d and "blockedGather" in d else "–" for p in peers]
    print(f"| {shape} | {t} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
