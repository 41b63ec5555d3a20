/// The unit of work of the im2col designs (`tiled`, `dispatch`): one (image, group, pixel tile)
/// block. Its deformable column matrix [(C_in/G)·kh·kw, tile] is built by sampling every
/// (channel, tap, pixel) afresh, as torchvision's `deformable_im2col` does, then multiplied into
/// the output by ``BlockedGEMM`` (weights as given × columns, bias added, output written once).
/// Workspace: one column matrix per concurrent block.
struct ColumnBlocks {
    /// Pixels per tile (the last tile of an image may be shorter).
    let tile: Int
    let tilesPerImage: Int
    let count: Int
    let groups: Int
    /// Floats of one block's column matrix.
    let columnFloats: Int
    let microKernel: MicroKernelTile

    init(geometry: DeformConvGeometry, options: ForwardOptions) {
        let rows = geometry.reductionLength
        // Tiles are multiples of 32 pixels: whole micro-kernel panels (so the GEMM reads no
        // column past the matrix) and whole cache lines of fp32 output, so neighbouring tiles of
        // one output row share no line unless H_out·W_out is not a multiple of 16.
        tile = options.blockPixels(bytesPerPixel: rows * MemoryLayout<Float>.size, multiple: MicroKernelTile.packColumns,
                                   outPixels: geometry.outPixels)
        tilesPerImage = (geometry.outPixels + tile - 1) / tile
        groups = geometry.groups
        count = geometry.batch * geometry.groups * tilesPerImage
        columnFloats = rows * tile
        microKernel = options.microKernel
    }

    var columnBytes: Int { columnFloats * MemoryLayout<Float>.size }

    func allocateColumns() -> UnsafeMutablePointer<Float> {
        let columns = UnsafeMutablePointer<Float>.allocate(capacity: columnFloats)
        columns.initialize(repeating: 0, count: columnFloats)
        return columns
    }

    /// Computes block `index` (image-major, then group, then tile) of the output.
    func run(_ index: Int, _ p: ForwardProblem, columns: UnsafeMutablePointer<Float>) {
        let n = index / (groups * tilesPerImage)
        let group = (index / tilesPerImage) % groups
        let first = (index % tilesPerImage) * tile
        let pixels = min(tile, p.outPixels - first)

        // Column row (cl·kh·kw + t), entry q: channel cl of the group, tap t, pixel first + q.
        for cl in 0..<p.groupIn {
            let ci = group * p.groupIn + cl
            let og = ci / p.offsetGroupChannels
            let plane = p.inputPlane(n: n, c: ci)
            for t in 0..<p.taps {
                let row = columns + (cl * p.taps + t) * tile
                var oy = first / p.outWidth, ox = first - oy * p.outWidth
                for q in 0..<pixels {
                    row[q] = p.tap(n: n, og: og, t: t, oy: oy, ox: ox).sample(plane)
                    ox += 1
                    if ox == p.outWidth { ox = 0; oy += 1 }
                }
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
}
