/// The unit of work of the im2col designs (`tiled`, `dispatch`): one (image, pixel tile) block.
/// Its ``SamplingPlan`` is built once per (offset group, tap, pixel), as ONNX Runtime's
/// `deform_conv` does; then, group by group, the deformable column matrix
/// [(C_in/G)·kh·kw, tile] is filled from the plan (each entry's corners applied to a run of
/// channels, ``CornerSet``) and multiplied
/// into the output by ``BlockedGEMM`` (weights as given × columns, bias added, output written
/// once). Unlike `blockedGather` everything stays NCHW: no transpose, no packed weights.
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
    /// Channels sampled per pass over a tap's pixels: 16 (measured on Zen 3, 64@56 one thread:
    /// 4 → 32, 8 → 41, 16 → 46 GFLOP/s), but 8 when the planes are a multiple of 4 KiB apart, since
    /// then every plane's line of an input row maps to the same set of an 8-way L1 (32@128²:
    /// 16 → 14, 8 → 20 GFLOP/s).
    private let channelsPerRun: Int

    init(geometry: DeformConvGeometry, options: ForwardOptions) {
        let rows = geometry.reductionLength
        let bytesPerPixel = rows * MemoryLayout<Float>.size + SamplingPlan.bytes(geometry: geometry, capacity: 1)
        // Tiles are multiples of 32 pixels: whole micro-kernel panels and plan vectors (so no
        // read passes the matrix) and whole cache lines of fp32 output, so neighbouring tiles of
        // one output row share no line unless H_out·W_out is not a multiple of 16.
        tile = options.blockPixels(bytesPerPixel: bytesPerPixel, multiple: MicroKernelTile.packColumns,
                                   outPixels: geometry.outPixels)
        tilesPerImage = (geometry.outPixels + tile - 1) / tile
        count = geometry.batch * tilesPerImage
        columnFloats = rows * tile
        microKernel = options.microKernel
        self.geometry = geometry
        channelsPerRun = geometry.height * geometry.width * MemoryLayout<Float>.size % 4096 == 0 ? 8 : 16
    }

    /// Bytes of one block's plan and column matrix.
    var blockBytes: Int { columnFloats * MemoryLayout<Float>.size + SamplingPlan.bytes(geometry: geometry, capacity: tile) }

    /// One block's plan and column matrix (zeroed, so padding columns hold numbers).
    func allocateWorkspace() -> (plan: SamplingPlan, columns: UnsafeMutablePointer<Float>) {
        (SamplingPlan(geometry: geometry, capacity: tile), alignedFloats(columnFloats))
    }

    /// Computes block `index` (image-major, then tile) of the output; returns the plan entries built.
    func run(_ index: Int, _ p: ForwardProblem, plan: SamplingPlan, columns: UnsafeMutablePointer<Float>) -> Int {
        let n = index / tilesPerImage
        let first = (index % tilesPerImage) * tile
        let pixels = min(tile, p.outPixels - first)
        let built = plan.build(p, n: n, first: first, count: pixels)
        for group in 0..<p.geometry.groups {
            // Column row (cl·kh·kw + t), entry q: channel cl of the group, tap t, pixel first + q.
            // Per plan entry, its corners are applied to every channel of the group that shares
            // the entry's offset group (runs of channels; a plane apart in the input).
            var c = group * p.groupIn
            while c < (group + 1) * p.groupIn {
                let og = c / p.offsetGroupChannels
                let run = min((og + 1) * p.offsetGroupChannels, (group + 1) * p.groupIn, c + 16) - c
                let planes = p.inputPlane(n: n, c: c)
                let firstRow = columns + (c - group * p.groupIn) * p.taps * tile
                for t in 0..<p.taps {
                    let o0 = plan.offsets(og: og, t: t, corner: 0), o1 = plan.offsets(og: og, t: t, corner: 1)
                    let o2 = plan.offsets(og: og, t: t, corner: 2), o3 = plan.offsets(og: og, t: t, corner: 3)
                    let w0 = plan.weights(og: og, t: t, corner: 0), w1 = plan.weights(og: og, t: t, corner: 1)
                    let w2 = plan.weights(og: og, t: t, corner: 2), w3 = plan.weights(og: og, t: t, corner: 3)
                    for q in 0..<pixels {
                        var corners = CornerSet()
                        corners.add(w0[q], planes + Int(o0[q]))
                        corners.add(w1[q], planes + Int(o1[q]))
                        corners.add(w2[q], planes + Int(o2[q]))
                        corners.add(w3[q], planes + Int(o3[q]))
                        corners.blend(channels: run, sourceStride: p.planeSize, into: firstRow + t * tile + q,
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
