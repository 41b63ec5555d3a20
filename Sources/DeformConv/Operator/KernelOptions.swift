import Foundation

/// How a ``DeformConvolution`` may use the machine. Only speed depends on these, never results
/// beyond fp32 rounding.
public struct KernelOptions: Sendable {
    /// Bytes of the cache a block's working set should fit (the per-core L2; the harness passes
    /// hwloc's figure). `tiled`, `dispatch` and `blockedGather` size their pixel blocks from it.
    public var cacheBytes: Int
    /// Workers of `blockedGather`.
    public var executor: any ParallelExecutor
    /// Workspace slots, and so the most concurrent blocks, of `dispatch`.
    public var dispatchWorkers: Int
    /// `blockedGather` multiplies the weights as given, instead of packing (forward) or
    /// transposing (backward) them each call, when N·H_out·W_out is below this: with few output
    /// pixels reordering the weights costs more than it saves (docs/design-measurements.md).
    /// The backward counts pixels per 128 output channels of a group, N·H_out·W_out·128/(C_out/G):
    /// its alternative reorders every pixel's column rows, so what decides is the pixels per
    /// output channel. 0 always reorders; `Int.max` never does (the backward only where
    /// (C_in/G)·kh·kw is a multiple of 32).
    public var fewPixels: Int
    /// The GEMM micro-kernel of `tiled`, `dispatch` and `blockedGather`: by default the one sized
    /// for the register file the kernels were compiled for.
    public var microKernel: MicroKernelTile

    public init(
        cacheBytes: Int = 1 << 20,
        executor: any ParallelExecutor = SerialExecutor(),
        dispatchWorkers: Int = ProcessInfo.processInfo.activeProcessorCount,
        fewPixels: Int = 128,
        microKernel: MicroKernelTile = .native
    ) {
        self.cacheBytes = cacheBytes
        self.executor = executor
        self.dispatchWorkers = dispatchWorkers
        self.fewPixels = fewPixels
        self.microKernel = microKernel
    }

    /// Smallest cache budget accepted: below it a block could not hold one 32-pixel column.
    public static let minCacheBytes = 4096

    func validate() throws {
        guard cacheBytes >= Self.minCacheBytes else {
            throw DeformConvError.invalidOption(
                name: "cacheBytes", reason: "must be at least \(Self.minCacheBytes), got \(cacheBytes)")
        }
        guard dispatchWorkers >= 1 else {
            throw DeformConvError.invalidOption(
                name: "dispatchWorkers", reason: "must be at least 1, got \(dispatchWorkers)")
        }
        guard fewPixels >= 0 else {
            throw DeformConvError.invalidOption(name: "fewPixels", reason: "must be at least 0, got \(fewPixels)")
        }
        guard executor.workerCount >= 1 else {
            throw DeformConvError.invalidOption(
                name: "executor", reason: "must have at least 1 worker, got \(executor.workerCount)")
        }
    }

    /// Pixels per block so that `bytesPerPixel`·pixels takes about half the cache (the rest is
    /// for the weights and the input lines being gathered): a multiple of `multiple`, at least
    /// one `multiple`, at most the image's `outPixels` rounded up to it.
    func blockPixels(bytesPerPixel: Int, multiple: Int, outPixels: Int, budget: Int? = nil) -> Int {
        let fitting = (budget ?? cacheBytes / 2) / max(bytesPerPixel, 1) / multiple * multiple
        let whole = (outPixels + multiple - 1) / multiple * multiple
        return min(max(fitting, multiple), whole)
    }
}
