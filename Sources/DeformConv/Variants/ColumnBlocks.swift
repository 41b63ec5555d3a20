/// The unit of work of the im2col designs (`tiled`, `dispatch`): one (image, pixel tile) block.
/// Its ``SamplingPlan`` is built once per (offset group, tap, pixel), as ONNX Runtime's
/// `deform_conv` does; then, group by group, the deformable column matrix
/// [(C_in/G)·kh·kw, tile] is filled from the plan (each entry's corners applied to a run of
/// channels, ``CornerSet``) and multiplied into the output by ``BlockedGEMM`` (weights as given
/// × columns, bias added, output written once). Unlike `blockedGather` everything stays NCHW:
/// no transpose, no packed weights.
/// Workspace: one plan and one column matrix per concurrent block.
struct ColumnBlocks {
    /// Pixels per tile (the last tile of an image may be shorter).
    let tile: Int
    let tilesPerImage: Int
    let count: Int
    /// Floats of one block's column matrix.
    let columnFloats: Int
    let microKernel: MicroKernelTile
    private let geometry: DeformConvGeometry
    /// Channels sampled per pass over a tap's pixels: 16 (fewer passes over the plan), but 4 when
    /// the planes are a multiple of 4 KiB apart, since then every plane's line of an input row
    /// maps to the same set of the 8-way L1 (and, at 64 KiB, of the L2) and 16 planes thrash it.
    /// The measurements behind both: docs/design-measurements.md.
    private let channelsPerRun: Int

    /// Blocks for `workers` concurrent workers taking every `workers`-th block: see `balancedTile`.
    init(geometry: DeformConvGeometry, options: KernelOptions, workers: Int = 1) {
        let rows = geometry.reductionLength
        // Weights that fit in half the cache stay there: the tile's whole column matrix and plan
        // take the other half. Larger weights stream through once per tile, so then tiles grow:
        // only the k-slice of the columns that the GEMM reuses (``BlockedGEMM``) and the plan
        // take half the cache, the whole matrix (written once, read once) at most 4×.
        // (cachegrind, 512 KiB L2: L2 misses per call 128@28 319K -> 195K, 256@14 330K -> 167K;
        // at 64@56, whose weights fit, larger tiles gave 101K -> 286K.)
        let planBytes = SamplingPlan.bytes(geometry: geometry, capacity: 1)
        let rowBytes = rows * MemoryLayout<Float>.size
        // Tiles are multiples of 32 pixels: whole micro-kernel panels and plan vectors (so no
        // read passes the matrix) and whole cache lines of fp32 output, so neighbouring tiles of
        // one output row share no line unless H_out·W_out is not a multiple of 16.
        let multiple = MicroKernelTile.packColumns
        let fitting: Int
        if geometry.outChannels * rowBytes <= options.cacheBytes / 2 {
            fitting = options.blockPixels(
                bytesPerPixel: rowBytes + planBytes, multiple: multiple, outPixels: geometry.outPixels)
        } else {
            let sliceBytes = min(rows, options.microKernel.kSlice) * MemoryLayout<Float>.size
            fitting = min(
                options.blockPixels(
                    bytesPerPixel: sliceBytes + planBytes, multiple: multiple, outPixels: geometry.outPixels),
                max(multiple, 4 * options.cacheBytes / (rowBytes + planBytes) / multiple * multiple))
        }
        // The same number of tiles, evened out (196 pixels: 2 × 128, not 192 + 4).
        let tiles = (geometry.outPixels + fitting - 1) / fitting
        let evened = ((geometry.outPixels + tiles - 1) / tiles + multiple - 1) / multiple * multiple
        tile = Self.balancedTile(
            largest: evened, multiple: multiple, batch: geometry.batch,
            outPixels: geometry.outPixels, workers: workers)
        tilesPerImage = (geometry.outPixels + tile - 1) / tile
        count = geometry.batch * tilesPerImage
        columnFloats = rows * tile
        microKernel = options.microKernel
        self.geometry = geometry
        channelsPerRun = geometry.height * geometry.width * MemoryLayout<Float>.size % 4096 == 0 ? 4 : 16
    }

    /// With few blocks per worker, the cache-sized tile can leave workers idle (one 256@14² tile
    /// for two workers) or unevenly loaded: then the tile, a multiple of `multiple` up to
    /// `largest` and at least a quarter of it, whose busiest worker (dealt every `workers`-th
    /// block, image-major) has the fewest pixels, the largest such tile on a tie. Smaller tiles
    /// stream the weights once per tile more, which the cache hierarchy serves at a small
    /// fraction of the GEMM's time.
    static func balancedTile(largest: Int, multiple: Int, batch: Int, outPixels: Int, workers: Int) -> Int {
        let blocks = batch * ((outPixels + largest - 1) / largest)
        guard workers > 1, blocks < 4 * workers else { return largest }
        func busiest(_ tile: Int) -> Int {
            let perImage = (outPixels + tile - 1) / tile
            var load = [Int](repeating: 0, count: min(workers, batch * perImage))
            for block in 0..<batch * perImage {
                let first = (block % perImage) * tile
                load[block % load.count] += min(tile, outPixels - first)
            }
            return load.max() ?? 0
        }
        var best = largest, bestLoad = busiest(largest)
        for tile in stride(from: largest - multiple, through: max(multiple, largest / 4), by: -multiple)
        where busiest(tile) < bestLoad {
            best = tile
            bestLoad = busiest(tile)
        }
        return best
    }

    /// Bytes of one block's plan and column matrix.
    var blockBytes: Int {
        columnFloats * MemoryLayout<Float>.size + SamplingPlan.bytes(geometry: geometry, capacity: tile)
    }

    /// One block's plan and column matrix (zeroed, so padding columns hold numbers).
    func allocateWorkspace() -> (plan: SamplingPlan, columns: UnsafeMutablePointer<Float>) {
        (SamplingPlan(geometry: geometry, capacity: tile), alignedFloats(columnFloats))
    }

    /// Computes block `index` (image-major, then tile) of the output; returns the plan entries built.
    func run(_ index: Int, _ p: ConvolutionCall, plan: SamplingPlan, columns: UnsafeMutablePointer<Float>) -> Int {
        let n = index / tilesPerImage
        let first = (index % tilesPerImage) * tile
        let pixels = min(tile, p.outPixels - first)
        let built = plan.build(p, n: n, first: first, count: pixels)
        for group in 0..<p.geometry.groups {
            // Column row (cl·kh·kw + t), entry q: channel cl of the group, tap t, pixel first + q.
            // Per plan entry, its corners are applied to a run of the group's channels that share
            // the entry's offset group (a plane apart in the input): the plan is read once per run,
            // and the run's kh·kw rows of columns being written stay in L1.
            var c = group * p.groupIn
            while c < (group + 1) * p.groupIn {
                let og = c / p.offsetGroupChannels
                let run = min((og + 1) * p.offsetGroupChannels, (group + 1) * p.groupIn, c + channelsPerRun) - c
                let planes = p.inputPlane(n: n, c: c)
                let firstRow = columns + (c - group * p.groupIn) * p.taps * tile
                for t in 0..<p.taps {
                    let planRow = plan.row(og: og, t: t)
                    for q in 0..<pixels {
                        CornerSet(planRow, q, base: planes, step: 1).blend(
                            channels: run, sourceStride: p.planeSize, into: firstRow + t * tile + q,
                            outStride: p.taps * tile)
                    }
                }
                c += run
            }
            let firstOut = group * p.groupOut
            BlockedGEMM.multiply(
                microKernel, m: p.groupOut, n: pixels, k: p.groupIn * p.taps,
                a: p.weightRow(co: firstOut), lda: p.groupIn * p.taps,
                b: columns, ldb: tile,
                c: p.outputPlane(n: n, co: firstOut) + first, ldc: p.outPixels,
                bias: p.bias.map { $0 + firstOut })
        }
        return built
    }
}
