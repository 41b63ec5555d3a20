#!/usr/bin/env python3
"""Pictures of dcnbench results: PNG and SVG of each figure that the data allows.

  python3 scripts/plot.py RESULTS.csv [MORE.csv ...] [--out DIR] [--compare VERDICT.json]

RESULTS are dcnbench CSVs (ours and peer rows alike: `compare-peers.sh` writes both in the
schema). They are read by `dcnbench report --json` (--dcnbench, default .build/release/dcnbench),
which owns every figure drawn here: the point's fields, shape, design and FLOPs, the pooling of
the files into processes (a point in several files is one series), the geometric mean of the
process medians, and the contexts (machine, probes).
Figures (each only when the rows allow it):
- sizes:    GFLOP/s against problem size, the compulsory bytes of the tensors (log x; the
            ResNet layers of the default preset have equal FLOPs, not equal sizes), per design,
            one panel per DCN version;
- scaling:  speed-up over one thread against threads, with the ideal line, per shape;
- roofline: GFLOP/s against arithmetic intensity (FLOPs / compulsory bytes), with the peak-FLOP
            and triad roofs of the run's probes (and the GEMM roof where the probes have it);
- peers:    ours and the peers side by side on the same shapes and thread counts;
- compare:  with --compare (from `dcnbench compare --json`): the ratio per point with its
            bootstrap interval, sorted, coloured by verdict.
Error bars: the 95 % interval over processes, or p10/p90 of a single process's samples; titles name the machine, CPU model and date. Default output folder:
results/plots/<first CSV's name>/. The first run creates .venv-plot with the pinned versions of
scripts/plot-requirements.txt and runs itself there.
"""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "lib"))
import pyvenv  # noqa: E402


def ensure_venv():
    pyvenv.ensure(".venv-plot", os.path.join(HERE, "plot-requirements.txt"), "matplotlib, pandas")


def default_dcnbench():
    return os.environ.get("DCNBENCH") or os.path.join(ROOT, ".build", "release", "dcnbench")


def load(paths, dcnbench):
    """The series of `dcnbench report --json` as rows, and the runs' contexts."""
    import json
    import pandas as pd
    if not os.access(dcnbench, os.X_OK):
        sys.exit(f"plot.py: {dcnbench}: no dcnbench there; build it (swift build -c release --product dcnbench) "
                 "or name it with --dcnbench")
    r = subprocess.run([dcnbench, "report", "--json", *paths], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("plot.py: " + r.stderr.strip().removeprefix("Error: "))
    document = json.loads(r.stdout)
    rows = pd.DataFrame([dict(s["point"], **{k: v for k, v in s.items() if k != "point"}) for s in document["series"]])
    if rows.empty:
        sys.exit("plot.py: no measured rows")
    return rows, document["contexts"]


def title(contexts, what):
    if not contexts:
        return what
    c = contexts[0]
    return f"{what}\n{c.get('host', '?')}: {c.get('cpu_model', '?')}, {c.get('date', '?')[:10]}"


def save(fig, out, name, written):
    for ext in ("png", "svg"):
        path = os.path.join(out, f"{name}.{ext}")
        fig.savefig(path, dpi=110 if ext == "png" else None, bbox_inches="tight")
        written.append(path)


def fastest(rows, keys):
    """The fastest series per group (over the keys left out, e.g. the placements)."""
    return rows.loc[rows.groupby(keys)["seconds"].idxmin()]


def errorbars(part, y="gflops"):
    return [(part[y] - part["gflops_low"]).clip(lower=0), (part["gflops_high"] - part[y]).clip(lower=0)]


def plot_sizes(plt, rows, contexts, out, written):
    ours = rows[~rows["variant"].str.startswith("peer:")]
    if ours["shape"].nunique() < 2:
        return
    versions = sorted(ours["version"].unique())
    fig, axes = plt.subplots(1, len(versions), figsize=(6.5 * len(versions), 4.6), squeeze=False)
    for ax, version in zip(axes[0], versions):
        part = fastest(ours[ours["version"] == version], ["design", "threads", "shape"])
        for (design, threads), series in part.groupby(["design", "threads"]):
            series = series.sort_values("tensor_bytes")
            ax.errorbar(series["tensor_bytes"] / 2**20, series["gflops"], yerr=errorbars(series), marker="o", ms=4,
                        capsize=2, label=f"{design} t{threads}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("problem size: input, offsets, mask, weights and output (MiB)")
        ax.set_ylabel("GFLOP/s")
        ax.set_title(f"forward, {version}")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7, ncol=2)
    fig.suptitle(title(contexts, "GFLOP/s against problem size"))
    save(fig, out, "sizes", written)
    plt.close(fig)


def plot_scaling(plt, rows, contexts, out, written):
    ours = rows[~rows["variant"].str.startswith("peer:")]
    ours = fastest(ours, ["design", "threads", "placement", "shape"])
    groups = [(shape, part) for shape, part in ours.groupby("shape") if part["threads"].nunique() >= 2]
    if not groups:
        return
    groups = groups[:9]
    columns = min(3, len(groups))
    lines = (len(groups) + columns - 1) // columns
    fig, axes = plt.subplots(lines, columns, figsize=(5 * columns, 4.2 * lines), squeeze=False)
    for ax in axes.flat[len(groups):]:
        ax.set_visible(False)
    for ax, (shape, part) in zip(axes.flat, groups):
        top = int(part["threads"].max())
        ax.plot([1, top], [1, top], "k--", lw=1, label="ideal")
        for (design, placement), series in part.groupby(["design", "placement"]):
            one = series[series["threads"] == 1]
            if one.empty or series["threads"].nunique() < 2:
                continue
            base = float(one["seconds"].iloc[0])
            series = series.sort_values("threads")
            ax.plot(series["threads"], base / series["seconds"], marker="o", label=f"{design} {placement}")
        ax.set_xlabel("threads")
        ax.set_ylabel("speed-up over 1 thread")
        ax.set_title(shape.replace("/k3x3/s1/p1/d1/g1/og1", ""), fontsize=8)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(title(contexts, "strong scaling"))
    save(fig, out, "scaling", written)
    plt.close(fig)


def plot_roofline(plt, rows, contexts, out, written):
    import numpy as np
    ours = fastest(rows[~rows["variant"].str.startswith("peer:")], ["design", "threads", "shape"])
    probes = {}
    for c in contexts:
        for p in c.get("probes") or []:
            probes.setdefault(int(p["threads"]), {})[p["unit"]] = float(p["value"])
    roofs = {t: v for t, v in probes.items() if "GFLOP/s" in v and "GB/s" in v}
    if not roofs or ours.empty:
        return
    fig, ax = plt.subplots(figsize=(7.5, 5))
    # From below the lowest ridge point (peak / bandwidth), so both roofs show.
    ridge = min(v["GFLOP/s"] / v["GB/s"] for v in roofs.values())
    x = np.logspace(np.log10(max(min(ours["intensity"].min() / 2, ridge / 4), 1e-2)), np.log10(ours["intensity"].max() * 2), 200)
    for t, v in sorted(roofs.items()):
        ax.plot(x, np.minimum(v["GFLOP/s"], v["GB/s"] * x), "--", lw=1,
                label=f"roof, {t} thread{'s' if t > 1 else ''}: {v['GFLOP/s']:.0f} GFLOP/s, triad {v['GB/s']:.0f} GB/s")
        # The GEMM roof (dcnbench probe, contexts since it was added): the GEMM alone, in L2.
        if "GEMM GFLOP/s" in v:
            ax.plot(x, np.minimum(v["GEMM GFLOP/s"], v["GB/s"] * x), ":", lw=1,
                    label=f"GEMM roof, {t} thread{'s' if t > 1 else ''}: {v['GEMM GFLOP/s']:.0f} GFLOP/s")
    markers = {1: "o", 2: "s"}
    for (design, threads), series in ours.groupby(["design", "threads"]):
        ax.scatter(series["intensity"], series["gflops"], marker=markers.get(int(threads), "^"), s=22,
                   label=f"{design} t{threads}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("arithmetic intensity (FLOPs / compulsory bytes)")
    ax.set_ylabel("GFLOP/s")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=6, ncol=2)
    ax.set_title(title(contexts, "roofline"))
    save(fig, out, "roofline", written)
    plt.close(fig)


def plot_peers(plt, rows, contexts, out, written):
    import numpy as np
    if not rows["variant"].str.startswith("peer:").any():
        return
    top = fastest(rows, ["design", "threads", "shape"])
    keys = sorted({(s, t) for s, t in zip(top["shape"], top["threads"])}, key=lambda k: (k[0], k[1]))
    designs = [d for d in top["design"].unique() if d in ("blockedGather", "blockedGather prepared", "tiled", "dispatch")]
    designs += sorted(d for d in top["design"].unique() if d.startswith("peer:"))
    fig, ax = plt.subplots(figsize=(max(8, 1.3 * len(keys)), 5.2))
    width = 0.8 / len(designs)
    colours = plt.cm.tab20(np.linspace(0, 1, 20))[:: max(1, 20 // len(designs))] if len(designs) > 10 else None
    for i, design in enumerate(designs):
        part = top[top["design"] == design].set_index(["shape", "threads"])
        values = [part.loc[k, "gflops"] if k in part.index else np.nan for k in keys]
        lo = [part.loc[k, "gflops"] - part.loc[k, "gflops_low"] if k in part.index else 0 for k in keys]
        hi = [part.loc[k, "gflops_high"] - part.loc[k, "gflops"] if k in part.index else 0 for k in keys]
        ax.bar(np.arange(len(keys)) + i * width, values, width, yerr=[np.clip(lo, 0, None), np.clip(hi, 0, None)],
               capsize=1.5, label=design.replace("peer:", ""), color=None if colours is None else colours[i % len(colours)])
    ax.set_xticks(np.arange(len(keys)) + 0.4 - width / 2)
    first = top.set_index(["shape", "threads"])
    first = first[~first.index.duplicated()]
    def label(key):
        p = first.loc[key]
        return f"{p['in_channels']}@{p['height']}x{p['width']}\nN{p['batch']} s{p['stride']} t{key[1]}"
    ax.set_xticklabels([label(k) for k in keys], fontsize=7)
    ax.set_ylabel("GFLOP/s")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=7, ncol=6, loc="upper center", bbox_to_anchor=(0.5, -0.14))
    ax.set_title(title(contexts, "ours and the peers (geometric mean of process medians)"))
    save(fig, out, "peers", written)
    plt.close(fig)


def plot_compare(plt, path, out, written):
    import json
    with open(path) as f:
        points = json.load(f)["comparison"]["points"]
    if not points:
        sys.exit(f"plot.py: {path}: no points")
    points.sort(key=lambda p: p["ratio"])
    colours = {"regressed": "tab:red", "improved": "tab:green", "unchanged": "tab:gray", "inconclusive": "tab:orange"}
    fig, ax = plt.subplots(figsize=(8, 0.28 * len(points) + 1.5))
    for i, p in enumerate(points):
        lo, hi = p.get("ratioLow", p["ratio"]), p.get("ratioHigh", p["ratio"])
        ax.errorbar(p["ratio"], i, xerr=[[p["ratio"] - lo], [hi - p["ratio"]]], fmt="o", ms=4,
                    color=colours.get(p["verdict"], "k"), capsize=2)
    ax.axvline(1, color="k", lw=1)
    ax.set_yticks(range(len(points)))
    ax.set_yticklabels([p["name"] for p in points], fontsize=6)
    ax.set_xlabel(f"current / baseline ({points[0].get('basis', 'time')}; > 1 slower), 95% bootstrap interval")
    handles = [plt.Line2D([], [], color=c, marker="o", ls="", label=v) for v, c in colours.items()]
    ax.legend(handles=handles, fontsize=7, loc="lower right")
    ax.set_title(f"dcnbench compare: {os.path.basename(path)}")
    save(fig, out, "compare", written)
    plt.close(fig)


def main():
    import argparse
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("csv", nargs="+", help="dcnbench result CSVs")
    ap.add_argument("--out", help="folder for the images (default results/plots/<first CSV's name>)")
    ap.add_argument("--compare", help="a `dcnbench compare --json` verdict to draw")
    ap.add_argument("--dcnbench", default=default_dcnbench(), help="the dcnbench that reads the CSVs "
                                                                    "(default $DCNBENCH or .build/release/dcnbench)")
    a = ap.parse_args()
    ensure_venv()
    import matplotlib
    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "dcnbench"  # stable SVG ids: reruns give the same files
    import matplotlib.pyplot as plt
    rows, contexts = load(a.csv, os.path.abspath(a.dcnbench))
    out = a.out or os.path.join(ROOT, "results", "plots", os.path.splitext(os.path.basename(a.csv[0]))[0])
    os.makedirs(out, exist_ok=True)
    written = []
    plot_sizes(plt, rows, contexts, out, written)
    plot_scaling(plt, rows, contexts, out, written)
    plot_roofline(plt, rows, contexts, out, written)
    plot_peers(plt, rows, contexts, out, written)
    if a.compare:
        plot_compare(plt, a.compare, out, written)
    if not written:
        sys.exit("plot.py: these rows allow no figure (one shape, one thread count, no probes, no peers)")
    for path in written:
        print(path)


if __name__ == "__main__":
    main()
