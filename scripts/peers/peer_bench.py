#!/usr/bin/env python3
"""Times a peer's deformable convolution on dcnbench's points and writes rows in dcnbench's CSV
schema (variant = peer:NAME), so the peers sit beside our kernels in one table.

  peer_bench.py --peer openvino --points points.txt --out results/peers-openvino.csv
  peer_bench.py --peer onnxruntime --check-dir /tmp/check   # golden-format case for `dcnbench verify`

Points are dcnbench point names (`dcnbench list ...`); the kernel and thread count come from the
name. Threads are pinned to the first T allowed CPUs (os.sched_setaffinity) and the peer is told
to use T threads. Timing: warm-up, iterations calibrated to >= --min-sample-time, --samples
samples, median; GFLOP/s = 2*N*Cout*(Cin/G)*kh*kw*Hout*Wout / median, as dcnbench computes it.
"""
import argparse, csv, json, os, socket, sys, time
from datetime import datetime, timezone

import numpy as np

HEADER = None  # read from an existing dcnbench CSV or given by --header-from


def parse(name):
    p = name.split("/")
    if len(p) != 15 or p[1] != "fwd":
        raise SystemExit(f"not a point name: {name}")
    h, w = map(int, p[6].split("x"))
    kh, kw = map(int, p[7][1:].split("x"))
    return dict(variant=p[0], version=p[2], N=int(p[3][1:]), Cin=int(p[4][1:]), Cout=int(p[5][1:]), H=h, W=w,
                kh=kh, kw=kw, s=int(p[8][1:]), p=int(p[9][1:]), d=int(p[10][1:]), g=int(p[11][1:]),
                og=int(p[12][2:]), t=int(p[13][1:]), placement=p[14])


def out_size(pt):
    ho = (pt["H"] + 2 * pt["p"] - pt["d"] * (pt["kh"] - 1) - 1) // pt["s"] + 1
    wo = (pt["W"] + 2 * pt["p"] - pt["d"] * (pt["kw"] - 1) - 1) // pt["s"] + 1
    return ho, wo


def tensors(pt, seed=7):
    rng = np.random.default_rng(seed)
    ho, wo = out_size(pt)
    kk = pt["kh"] * pt["kw"]
    x = rng.uniform(-1, 1, (pt["N"], pt["Cin"], pt["H"], pt["W"])).astype(np.float32)
    w = (rng.uniform(-1, 1, (pt["Cout"], pt["Cin"] // pt["g"], pt["kh"], pt["kw"])) /
         np.sqrt(pt["Cin"] // pt["g"] * kk)).astype(np.float32)
    off = rng.uniform(-2, 2, (pt["N"], 2 * pt["og"] * kk, ho, wo)).astype(np.float32)
    mask = rng.uniform(0.001, 0.999, (pt["N"], pt["og"] * kk, ho, wo)).astype(np.float32) if pt["version"] == "v2" else None
    return x, w, off, mask


def ort_session(model, threads):
    """An ONNX Runtime CPU session of `model` on `threads` intra-op threads, run sequentially."""
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])


def ov_request(model, threads):
    """An OpenVINO CPU infer request of `model`: `threads` pinned threads, fp32, latency mode."""
    import openvino as ov
    compiled = ov.Core().compile_model(model, "CPU", {"INFERENCE_NUM_THREADS": threads, "INFERENCE_PRECISION_HINT": "f32",
                                                      "PERFORMANCE_HINT": "LATENCY", "ENABLE_CPU_PINNING": True})
    return compiled.create_infer_request()


def make_onnxruntime(pt, threads):
    import onnx, onnxruntime as ort
    from onnx import TensorProto, helper
    ho, wo = out_size(pt)
    kk = pt["kh"] * pt["kw"]
    inputs = [helper.make_tensor_value_info("X", TensorProto.FLOAT, [pt["N"], pt["Cin"], pt["H"], pt["W"]]),
              helper.make_tensor_value_info("W", TensorProto.FLOAT, [pt["Cout"], pt["Cin"] // pt["g"], pt["kh"], pt["kw"]]),
              helper.make_tensor_value_info("offset", TensorProto.FLOAT, [pt["N"], 2 * pt["og"] * kk, ho, wo])]
    names = ["X", "W", "offset", ""]
    if pt["version"] == "v2":
        inputs.append(helper.make_tensor_value_info("mask", TensorProto.FLOAT, [pt["N"], pt["og"] * kk, ho, wo]))
        names.append("mask")
    node = helper.make_node("DeformConv", [n for n in names] if pt["version"] == "v2" else names[:3], ["Y"],
                            dilations=[pt["d"]] * 2, group=pt["g"], kernel_shape=[pt["kh"], pt["kw"]],
                            offset_group=pt["og"], pads=[pt["p"]] * 4, strides=[pt["s"]] * 2)
    graph = helper.make_graph([node], "dcn", inputs, [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
    sess = ort_session(model, threads)
    def run(x, w, off, mask):
        feeds = {"X": x, "W": w, "offset": off}
        if mask is not None:
            feeds["mask"] = mask
        return sess.run(None, feeds)[0]
    return run, f"onnxruntime {ort.__version__}"


def make_openvino(pt, threads):
    import openvino as ov
    import openvino.opset8 as ops
    ho, wo = out_size(pt)
    kk = pt["kh"] * pt["kw"]
    x = ops.parameter([pt["N"], pt["Cin"], pt["H"], pt["W"]], np.float32)
    w = ops.parameter([pt["Cout"], pt["Cin"] // pt["g"], pt["kh"], pt["kw"]], np.float32)
    off = ops.parameter([pt["N"], 2 * pt["og"] * kk, ho, wo], np.float32)
    params = [x, off, w]
    mask = None
    if pt["version"] == "v2":
        mask = ops.parameter([pt["N"], pt["og"] * kk, ho, wo], np.float32)
        params.append(mask)
    # bilinear_interpolation_pad: samples in (-1, 0) blend with zero, as torchvision does.
    y = ops.deformable_convolution(x, off, w, [pt["s"]] * 2, [pt["p"]] * 2, [pt["p"]] * 2, [pt["d"]] * 2,
                                   mask=mask, group=pt["g"], deformable_group=pt["og"],
                                   bilinear_interpolation_pad=True)
    request = ov_request(ov.Model([y], params, "dcn"), threads)
    def run(x, w, off, mask):
        inputs = [x, off, w] + ([mask] if mask is not None else [])
        request.infer(inputs)
        return request.get_output_tensor(0).data.copy()
    return run, f"openvino {ov.__version__.split('-')[0]}"


def make_torchvision(pt, threads):
    import torch, torchvision
    torch.set_num_threads(threads)
    def run(x, w, off, mask):
        with torch.no_grad():
            return torchvision.ops.deform_conv2d(torch.from_numpy(x), torch.from_numpy(off), torch.from_numpy(w),
                                                 stride=pt["s"], padding=pt["p"], dilation=pt["d"],
                                                 mask=None if mask is None else torch.from_numpy(mask)).numpy()
    return run, f"torchvision {torchvision.__version__}"


def make_dense_onnxruntime(pt, threads):
    """ONNX Runtime's dense Conv of the same shape (offsets and mask ignored): the speed a
    deformable convolution would have if sampling were free."""
    import onnx, onnxruntime as ort
    from onnx import TensorProto, helper
    inputs = [helper.make_tensor_value_info("X", TensorProto.FLOAT, [pt["N"], pt["Cin"], pt["H"], pt["W"]]),
              helper.make_tensor_value_info("W", TensorProto.FLOAT, [pt["Cout"], pt["Cin"] // pt["g"], pt["kh"], pt["kw"]])]
    node = helper.make_node("Conv", ["X", "W"], ["Y"], dilations=[pt["d"]] * 2, group=pt["g"],
                            kernel_shape=[pt["kh"], pt["kw"]], pads=[pt["p"]] * 4, strides=[pt["s"]] * 2)
    graph = helper.make_graph([node], "conv", inputs, [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
    sess = ort_session(model, threads)
    def run(x, w, off, mask):
        return sess.run(None, {"X": x, "W": w})[0]
    return run, f"onnxruntime {ort.__version__} Conv"


def make_dense_openvino(pt, threads):
    """OpenVINO's dense Convolution of the same shape, weights constant as in a deployed model
    (so the plugin may reorder them once): offsets and mask ignored."""
    import openvino as ov
    import openvino.opset8 as ops
    x = ops.parameter([pt["N"], pt["Cin"], pt["H"], pt["W"]], np.float32)
    _, w, _, _ = tensors(pt)
    if pt["g"] == 1:
        y = ops.convolution(x, ops.constant(w), [pt["s"]] * 2, [pt["p"]] * 2, [pt["p"]] * 2, [pt["d"]] * 2)
    else:
        wg = w.reshape(pt["g"], pt["Cout"] // pt["g"], *w.shape[1:])
        y = ops.group_convolution(x, ops.constant(wg), [pt["s"]] * 2, [pt["p"]] * 2, [pt["p"]] * 2, [pt["d"]] * 2)
    request = ov_request(ov.Model([y], [x], "conv"), threads)
    def run(x, w, off, mask):
        request.infer([x])
        return request.get_output_tensor(0).data.copy()
    return run, f"openvino {ov.__version__.split('-')[0]} Convolution"


def make_dense_torch(pt, threads):
    """torch's dense conv2d (oneDNN on x86) of the same shape: offsets and mask ignored."""
    import torch
    torch.set_num_threads(threads)
    def run(x, w, off, mask):
        with torch.no_grad():
            return torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(w), stride=pt["s"], padding=pt["p"],
                                              dilation=pt["d"], groups=pt["g"]).numpy()
    return run, f"torch {torch.__version__} conv2d"


# Deformable peers (checked against our output), then dense convolutions of the same shapes
# (the "0.9x of the best dense convolution" reference; not checkable against ours).
PEERS = {"onnxruntime": make_onnxruntime, "openvino": make_openvino, "torchvision": make_torchvision,
         "dense-onnxruntime": make_dense_onnxruntime, "dense-openvino": make_dense_openvino, "dense-torch": make_dense_torch}


ALLOWED = sorted(os.sched_getaffinity(0))  # before any pinning narrows it


def pin(threads):
    allowed = ALLOWED
    if threads > len(allowed):
        raise SystemExit(f"{threads} threads but only {len(allowed)} allowed CPUs")
    os.sched_setaffinity(0, allowed[:threads])
    return allowed[:threads]


def measure(run, args_, samples, min_time):
    start = time.perf_counter()
    calls = 0
    while calls < 3 or time.perf_counter() - start < 0.1:
        run(*args_)
        calls += 1
    per = (time.perf_counter() - start) / calls
    iters = max(1, int(np.ceil(min_time / per)))
    out = []
    for _ in range(samples):
        t0 = time.perf_counter()
        for _ in range(iters):
            run(*args_)
        out.append((time.perf_counter() - t0) / iters)
    return out, iters


def write_check(directory, pt, peer_out, tensors_):
    """One golden-format case (docs/golden-format.md) holding the peer's output."""
    x, w, off, mask = tensors_
    os.makedirs(os.path.join(directory, "case"), exist_ok=True)
    ho, wo = out_size(pt)
    named = {"input": x, "offset": off, "weight": w, "output": peer_out.astype(np.float32)}
    if mask is not None:
        named["mask"] = mask
    entries = {}
    for name, array in named.items():
        array.astype("<f4").tofile(os.path.join(directory, "case", f"{name}.bin"))
        entries[name] = {"file": f"{name}.bin", "shape": list(array.shape), "dtype": "float32", "byte_order": "little",
                         "count": int(array.size), "bytes": int(array.size * 4)}
    manifest = dict(format_version=1, name="peer", kind="peer", description="peer output", N=pt["N"], C_in=pt["Cin"],
                    H=pt["H"], W=pt["W"], C_out=pt["Cout"], kernel=[pt["kh"], pt["kw"]], stride=[pt["s"]] * 2,
                    padding=[pt["p"]] * 2, dilation=[pt["d"]] * 2, groups=pt["g"], offset_groups=pt["og"], H_out=ho,
                    W_out=wo, has_mask=mask is not None, has_bias=False, tensors=entries)
    json.dump(manifest, open(os.path.join(directory, "case", "manifest.json"), "w"))
    json.dump({"format_version": 1, "cases": [{"name": "peer", "manifest": "case/manifest.json"}]},
              open(os.path.join(directory, "index.json"), "w"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--peer", required=True, choices=sorted(PEERS))
    ap.add_argument("--points", help="file of dcnbench point names, one per line")
    ap.add_argument("--out", help="CSV to write (dcnbench's schema)")
    ap.add_argument("--header-from", help="a dcnbench CSV whose header to use")
    ap.add_argument("--samples", type=int, default=10)
    ap.add_argument("--min-sample-time", type=float, default=0.02)
    ap.add_argument("--check-dir", help="write a golden-format case with the peer's output (64->64 @ 28x28, v2, og 2)")
    a = ap.parse_args()

    if a.check_dir:
        pt = parse("peer/fwd/v2/N1/C64/K64/28x28/k3x3/s1/p1/d1/g1/og2/t1/close")
        data = tensors(pt, seed=11)
        run, label = PEERS[a.peer](pt, 1)
        write_check(a.check_dir, pt, run(*data), data)
        print(f"{label}: wrote {a.check_dir}")
        return
    header = next(csv.reader(open(a.header_from)))
    names = [l.strip() for l in open(a.points) if l.strip()]
    host = socket.gethostname().split(".")[0]
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
    run_id = f"{a.peer}-{int(time.time())}"
    with open(a.out, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        for name in names:
            pt = parse(name)
            pus = pin(pt["t"])
            run, label = PEERS[a.peer](pt, pt["t"])
            data = tensors(pt)
            samples, iters = measure(run, data, a.samples, a.min_sample_time)
            ho, wo = out_size(pt)
            flops = 2 * pt["N"] * pt["Cout"] * (pt["Cin"] // pt["g"]) * pt["kh"] * pt["kw"] * ho * wo
            arr = np.array(samples)
            med = float(np.median(arr))
            peer_name = f"peer:{a.peer}/" + "/".join(name.split("/")[1:])
            row = {k: "" for k in header}
            row.update({"schema_version": 1, "run_id": run_id, "name": peer_name, "variant": f"peer:{a.peer}",
                        "version": pt["version"], "batch": pt["N"], "in_channels": pt["Cin"], "out_channels": pt["Cout"],
                        "height": pt["H"], "width": pt["W"], "kernel_h": pt["kh"], "kernel_w": pt["kw"], "stride": pt["s"],
                        "padding": pt["p"], "dilation": pt["d"], "groups": pt["g"], "offset_groups": pt["og"],
                        "threads": pt["t"], "placement": pt["placement"], "layout": "nchw", "status": "ok", "error": label,
                        "samples": len(samples), "iterations_per_sample": iters, "min_s": repr(float(arr.min())),
                        "median_s": repr(med), "mean_s": repr(float(arr.mean())),
                        "p10_s": repr(float(np.percentile(arr, 10))), "p90_s": repr(float(np.percentile(arr, 90))),
                        "max_s": repr(float(arr.max())), "stddev_s": repr(float(arr.std(ddof=1))) if len(arr) > 1 else "0.0",
                        "mad_s": repr(float(np.median(np.abs(arr - med)))), "cv": repr(float(arr.std(ddof=1) / arr.mean())) if len(arr) > 1 else "0.0",
                        "gflops": repr(flops / med / 1e9), "pus_used": ",".join(map(str, pus)), "migrated_samples": 0,
                        "preempted_samples": 0, "host": host, "cpu_model": cpu, "config_id": f"peer:{a.peer}",
                        "timestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")})
            writer.writerow(row)
            f.flush()
            print(f"{peer_name}: {flops / med / 1e9:.2f} GFLOP/s ({label})", file=sys.stderr)


if __name__ == "__main__":
    main()
