import DeformConv
import Topology

/// The named sweeps. `cores` and `pus` are the allowed cores and PUs of this process.
public enum Preset: String, CaseIterable, Sendable {
    case smoke, `default`, sizes, channels, threads

    public var summary: String {
        switch self {
        case .smoke:
            "seconds: two small shapes, v1 and v2, every variant forward and naive/blockedGather backward, 1…cores threads (CI, a first try)"
        case .default:
            "a few minutes: the 3x3 layers of a DCN ResNet-50 at 224² (64@56², 128@28², 256@14², 512@7²) and a detection-sized layer (256@50x76, without naive), v1 and v2, every variant, 1…cores threads; blockedGather also in NHWC, with prepared weights and backward (every gradient)"
        case .sizes:
            "H=W from 8 to 256 at 64 channels, v2, tiled/dispatch/blockedGather (naive from 8 to 64), 1…cores threads"
        case .channels: "8…512 channels at 28x28, v2, tiled/dispatch/blockedGather (naive up to 128), 1…cores threads"
        case .threads:
            "strong scaling of 64@56², v2: blockedGather and dispatch on 1, 2, 4, … threads up to the cores, and all PUs; close and spread"
        }
    }

    /// 1, 2, 4, … below `cores`, then `cores` and `pus`: a geometric ladder (7 counts on 64
    /// cores, not 64), ending at the core count and at SMT.
    public static func ladder(cores: Int, pus: Int) -> [Int] {
        let cores = max(cores, 1)
        var counts = Array(sequence(first: 1) { $0 < cores / 2 ? $0 * 2 : nil }.prefix { $0 < cores })
        counts.append(cores)
        if pus > cores { counts.append(pus) }
        return counts
    }

    public static func named(_ name: String) throws -> Preset {
        guard let preset = Preset(rawValue: name) else {
            throw BenchError(
                "unknown preset '\(name)'; valid presets: \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return preset
    }

    public func sweep(cores: Int, pus: Int) -> Sweep {
        let upToCores = Array(1...max(cores, 1))
        let all = KernelVariant.allCases
        let fast: [KernelVariant] = [.tiled, .dispatch, .blockedGather]
        let allDefault = [
            Shape(channels: 64, size: 56), Shape(channels: 128, size: 28), Shape(channels: 256, size: 14),
            Shape(channels: 512, size: 7), Shape(inChannels: 256, outChannels: 256, height: 50, width: 76),
        ]
        switch self {
        case .smoke:
            return Sweep(
                name: rawValue,
                blocks: [
                    SweepAxes(
                        variants: all, shapes: [Shape(channels: 8, size: 12)], threads: upToCores,
                        directions: [.fwd, .bwd]),
                    SweepAxes(
                        variants: all, shapes: [Shape(inChannels: 6, outChannels: 10, height: 9, width: 7)],
                        strides: [2], groups: [2], offsetGroups: [3], threads: upToCores, directions: [.fwd, .bwd]),
                ])
        case .default:
            return Sweep(
                name: rawValue,
                blocks: [
                    SweepAxes(
                        variants: all,
                        shapes: [
                            Shape(channels: 64, size: 56), Shape(channels: 128, size: 28),
                            Shape(channels: 256, size: 14), Shape(channels: 512, size: 7),
                        ],
                        threads: upToCores),
                    // naive needs ~25 s per call here.
                    SweepAxes(
                        variants: fast, shapes: [Shape(inChannels: 256, outChannels: 256, height: 50, width: 76)],
                        threads: upToCores),
                    // The channels-last entry point, where no transposes are needed.
                    SweepAxes(variants: [.blockedGather], shapes: allDefault, threads: upToCores, layouts: [.nhwc]),
                    // Weights given once, as in inference: blockedGather packs them once, not every call.
                    SweepAxes(variants: [.blockedGather], shapes: allDefault, threads: upToCores, weights: [.prepared]),
                    // Training: every gradient (naive's backward would take minutes a call here).
                    SweepAxes(variants: [.blockedGather], shapes: allDefault, threads: upToCores, directions: [.bwd]),
                ])
        case .sizes:
            return Sweep(
                name: rawValue,
                blocks: [
                    SweepAxes(
                        variants: all, versions: [.v2], shapes: [8, 16, 32, 64].map { Shape(channels: 64, size: $0) },
                        threads: upToCores),
                    SweepAxes(
                        variants: fast, versions: [.v2], shapes: [128, 256].map { Shape(channels: 64, size: $0) },
                        threads: upToCores),
                ])
        case .channels:
            return Sweep(
                name: rawValue,
                blocks: [
                    SweepAxes(
                        variants: all, versions: [.v2],
                        shapes: [8, 16, 32, 64, 128].map { Shape(channels: $0, size: 28) },
                        threads: upToCores),
                    SweepAxes(
                        variants: fast, versions: [.v2], shapes: [256, 512].map { Shape(channels: $0, size: 28) },
                        threads: upToCores),
                ])
        case .threads:
            return Sweep(
                name: rawValue,
                blocks: [
                    SweepAxes(
                        variants: [.dispatch, .blockedGather], versions: [.v2], shapes: [Shape(channels: 64, size: 56)],
                        threads: Self.ladder(cores: cores, pus: pus), placements: [.close, .spread])
                ])
        }
    }
}
