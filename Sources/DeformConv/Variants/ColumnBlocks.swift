/// The unit of work of the im2col designs (`tiled`, `dispatch`): one (image, pixel tile) block.
/// Its ``SamplingPlan`` is built once per (offset group, tap, pixel), as ONNX Runtime's
/// `deform_conv` does; then, group by group, the deformable column matrix
/// [(C_in/G)·kh·kw, tile] is filled one (channel, tap) row at a time from the plan and multiplied
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
            for cl in 0..<p.groupIn {
                let ci = group * p.groupIn + cl
                let plane = p.inputPlane(n: n, c: ci)
                for t in 0..<p.taps {
                    plan.sample(og: ci / p.offsetGroupChannels, t: t, plane: plane, count: pixels,
                                into: columns + (cl * p.taps + t) * tile)
                }
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
