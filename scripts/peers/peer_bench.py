#!/usr/bin/env python3
"""Times a peer's deformable (or dense) convolution on dcnbench's points at one thread count and
writes rows in dcnbench's CSV schema (variant = peer:NAME), so the peers sit beside our kernels in
one table.

  dcnbench list --sweep-file sweeps/peers.json --filter '^blockedGather/' --json > points.json
  taskset -c 0-1 peer_bench.py --peer openvino --threads 2 --points points.json --out X.csv
  taskset -c 0 peer_bench.py --peer onnxruntime --threads 1 --points check.json --check-dir /tmp/check   # a golden-format case for `dcnbench verify`

One process measures one thread count T, and must be started pinned to exactly T CPUs (it
refuses otherwise), so the peer's thread pool is created under the mask it runs with; the peer
is told to use T threads (see harness.py). Points come from `dcnbench list --json` (their
fields, output size and FLOPs, and the results file's columns, all as dcnbench gives them); those
of thread count T are measured. Timing: warm-up, iterations calibrated to >= --min-sample-time,
--samples samples; GFLOP/s = the point's FLOPs / median. Each row records the CPU utilization and the PUs of its busy threads; the process exits 3
after writing its rows when a point is under-threaded (harness.check_utilization).
"""
import argparse, csv, json, os, socket, sys, time
from datetime import datetime, timezone

import harness

np = None  # numpy, imported only once the process is known to be pinned (its BLAS starts threads)


def out_size(pt):
    return pt["ho"], pt["wo"]  # from dcnbench list --json


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
    from onnx import TensorProto, helper, numpy_helper
    ho, wo = out_size(pt)
    kk = pt["kh"] * pt["kw"]
    prepared = pt["weights"] == "prepared"
    inputs = [helper.make_tensor_value_info("X", TensorProto.FLOAT, [pt["N"], pt["Cin"], pt["H"], pt["W"]]),
              helper.make_tensor_value_info("offset", TensorProto.FLOAT, [pt["N"], 2 * pt["og"] * kk, ho, wo])]
    if not prepared:
        inputs.insert(1, helper.make_tensor_value_info("W", TensorProto.FLOAT, [pt["Cout"], pt["Cin"] // pt["g"], pt["kh"], pt["kw"]]))
    names = ["X", "W", "offset", ""]
    if pt["version"] == "v2":
        inputs.append(helper.make_tensor_value_info("mask", TensorProto.FLOAT, [pt["N"], pt["og"] * kk, ho, wo]))
        names.append("mask")
    node = helper.make_node("DeformConv", [n for n in names] if pt["version"] == "v2" else names[:3], ["Y"],
                            dilations=[pt["d"]] * 2, group=pt["g"], kernel_shape=[pt["kh"], pt["kw"]],
                            offset_group=pt["og"], pads=[pt["p"]] * 4, strides=[pt["s"]] * 2)
    # Prepared points: the weights an initializer of the model (constant), as a deployed model has them.
    initializers = [numpy_helper.from_array(tensors(pt)[1], "W")] if prepared else []
    graph = helper.make_graph([node], "dcn", inputs, [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)],
                              initializer=initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
    sess = ort_session(model, threads)
    def run(x, w, off, mask):
        feeds = {"X": x, "offset": off} if prepared else {"X": x, "W": w, "offset": off}
        if mask is not None:
            feeds["mask"] = mask
        return sess.run(None, feeds)[0]
    return run, f"onnxruntime {ort.__version__}"


def make_openvino(pt, threads):
    import openvino as ov
    import openvino.opset8 as ops
    ho, wo = out_size(pt)
    kk = pt["kh"] * pt["kw"]
    prepared = pt["weights"] == "prepared"
    x = ops.parameter([pt["N"], pt["Cin"], pt["H"], pt["W"]], np.float32)
    # Prepared points: constant weights, which the plugin may reorder once when it compiles.
    w = ops.constant(tensors(pt)[1]) if prepared else ops.parameter([pt["Cout"], pt["Cin"] // pt["g"], pt["kh"], pt["kw"]], np.float32)
    off = ops.parameter([pt["N"], 2 * pt["og"] * kk, ho, wo], np.float32)
    params = [x, off] if prepared else [x, off, w]
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
        inputs = ([x, off] if prepared else [x, off, w]) + ([mask] if mask is not None else [])
        request.infer(inputs)
        return request.get_output_tensor(0).data.copy()
    return run, f"openvino {ov.__version__.split('-')[0]}"


def make_torchvision(pt, threads):
    import torch, torchvision
    torch.set_num_threads(threads)
    if pt["direction"] == "bwd":
        run, label = make_torchvision_backward(pt, torch, torchvision)
        # Its col2im is serial, so its GEMM threads stay nearly idle: show the pool's size.
        a = torch.ones(1024, 1024)
        busy, pus = harness.pool_probe(lambda: torch.mm(a, a))
        return run, f"{label}; {harness.probe_label(busy, pus)}"
    def run(x, w, off, mask):
        with torch.no_grad():
            return torchvision.ops.deform_conv2d(torch.from_numpy(x), torch.from_numpy(off), torch.from_numpy(w),
                                                 stride=pt["s"], padding=pt["p"], dilation=pt["d"],
                                                 mask=None if mask is None else torch.from_numpy(mask)).numpy()
    return run, f"torchvision {torchvision.__version__}"


def make_torchvision_backward(pt, torch, torchvision):
    """torch.autograd's backward of deform_conv2d, every gradient (input, offset, mask, weight),
    for grad_output uniform in [-1, 1]: the forward runs once per set of inputs, untimed, and its
    graph is kept, so each timed call is the backward alone."""
    graphs = {}
    def run(x, w, off, mask):
        key = (id(x), id(w), id(off), id(mask))
        if key not in graphs:
            leaves = [torch.from_numpy(a).requires_grad_() for a in (x, off, w) + ((mask,) if mask is not None else ())]
            y = torchvision.ops.deform_conv2d(leaves[0], leaves[1], leaves[2], stride=pt["s"], padding=pt["p"],
                                              dilation=pt["d"], mask=leaves[3] if mask is not None else None)
            upstream = torch.from_numpy(np.random.default_rng(5).uniform(-1, 1, y.shape).astype(np.float32))
            graphs.clear()
            graphs[key] = (y, leaves, upstream)
        y, leaves, upstream = graphs[key]
        return torch.autograd.grad(y, leaves, upstream, retain_graph=True)[0].numpy()
    return run, f"torchvision {torchvision.__version__} (autograd backward)"


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


# Peers that have a form with weights given once (constant in the model), for /prepared points;
# the others skip those points.
PREPARED = {"onnxruntime", "openvino"}
# Peers with a backward pass (ONNX Runtime and OpenVINO have none; dense peers are forward only).
BACKWARD = {"torchvision"}

# Deformable peers (checked against our output), then dense convolutions of the same shapes
# (the "0.9x of the best dense convolution" reference; not checkable against ours).
PEERS = {"onnxruntime": make_onnxruntime, "openvino": make_openvino, "torchvision": make_torchvision,
         "dense-onnxruntime": make_dense_onnxruntime, "dense-openvino": make_dense_openvino, "dense-torch": make_dense_torch}


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
    with open(os.path.join(directory, "case", "manifest.json"), "w") as f:
        json.dump(manifest, f)
    with open(os.path.join(directory, "index.json"), "w") as f:
        json.dump({"format_version": 1, "cases": [{"name": "peer", "manifest": "case/manifest.json"}]}, f)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--peer", required=True, choices=sorted(PEERS))
    ap.add_argument("--threads", type=int, required=True, help="the thread count T of every point (the process "
                                                                "must be started pinned to T CPUs)")
    ap.add_argument("--points", required=True, help="`dcnbench list --json` output; its points of thread count T are measured")
    ap.add_argument("--out", help="CSV to write (dcnbench's schema, the listing's columns)")
    ap.add_argument("--samples", type=int, default=10)
    ap.add_argument("--min-sample-time", type=float, default=0.02)
    ap.add_argument("--check-dir", help="write a golden-format case with the peer's output on the listing's first point")
    a = ap.parse_args()
    pus = harness.require_pinned(a.threads)
    schema, header, listed = harness.points(a.points)
    global np
    import numpy as np

    if a.check_dir:
        if not listed:
            ap.error(f"{a.points} lists no point")
        pt = listed[0]
        data = tensors(pt, seed=11)
        run, label = PEERS[a.peer](pt, a.threads)
        write_check(a.check_dir, pt, run(*data), data)
        print(f"{label}: wrote {a.check_dir}")
        return
    if not a.out:
        ap.error("--out is needed to measure")
    if a.samples < 2 or a.min_sample_time <= 0 or a.min_sample_time > 10:
        ap.error("--samples must be at least 2 and --min-sample-time in (0, 10] seconds")
    points = [pt for pt in listed if pt["t"] == a.threads]
    points = [pt for pt in points if pt["weights"] == "call" or a.peer in PREPARED]
    points = [pt for pt in points if pt["direction"] == "fwd" or a.peer in BACKWARD]
    if not points:
        ap.error(f"{a.points} lists no point of {a.threads} threads that {a.peer} measures")
    host = socket.gethostname().split(".")[0]
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
    run_id = f"{a.peer}-t{a.threads}-{time.time_ns()}"
    rows = []
    with open(a.out, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        for pt in points:
            run, label = PEERS[a.peer](pt, a.threads)
            m = harness.measure(run, tensors(pt), a.threads, samples=a.samples, min_sample_time=a.min_sample_time)
            flops = pt["flops"]  # dcnbench's count (a backward counts twice the forward's)
            stats = m.stats()
            # A peer's row is named by the peer where ours name the variant (`dcnbench list --json`).
            peer_name = f"peer:{a.peer}/" + pt["fields"]["name_without_variant"]
            row = {k: pt["fields"].get(k, "") for k in header}  # the point's own columns
            row.update({"schema_version": schema, "run_id": run_id, "name": peer_name, "variant": f"peer:{a.peer}",
                        "status": "ok", "error": label,
                        "samples": len(m.samples), "iterations_per_sample": m.iterations,
                        **{k: repr(float(v)) for k, v in stats.items()},
                        "gflops": repr(flops / stats["median_s"] / 1e9), "pus_used": ",".join(map(str, m.pus)),
                        "cpu_utilization": repr(m.utilization), "migrated_samples": 0, "preempted_samples": 0,
                        "host": host, "cpu_model": cpu, "config_id": f"peer:{a.peer}",
                        "timestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")})
            if "processes" in header:  # schema 4: the samples of one process, this one
                row["processes"] = 1
            writer.writerow(row)
            f.flush()
            rows.append(row)
            print(f"{peer_name}: {flops / stats['median_s'] / 1e9:.2f} GFLOP/s, utilization {m.utilization:.2f}, "
                  f"{m.busy_threads} busy threads on PUs {m.pus} of {pus} ({label})", file=sys.stderr)
    bad = harness.check_utilization(rows)
    for r in bad:
        print(f"UNDER-THREADED: {r['name']}: CPU utilization {float(r['cpu_utilization']):.2f} < "
              f"{harness.MIN_UTILIZATION} and busy threads only on PUs [{r['pus_used']}] of {a.threads} threads",
              file=sys.stderr)
    if bad:
        sys.exit(3)


if __name__ == "__main__":
    main()
