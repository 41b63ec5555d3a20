/// The channels-last pieces of `blockedGather`: input transposed to [N, H, W, C] so a sampling
/// corner gives a vector of consecutive channels, and weights packed per group as
/// [(kh·kw)·(C_in/G), C_out/G rounded up to 32] so the micro-kernel loads 32 output channels at once.
enum ChannelsLast {
    /// Rows `rows` (image n, input row y, flattened as n·H + y) of NCHW `input` into NHWC `out`.
    static func transpose(_ p: ForwardProblem, rows: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        let c = p.inChannels, w = p.width
        for row in rows {
            let n = row / p.height, y = row - n * p.height
            let dst = out + row * w * c  // pixel (n, y, x) at ((n·H + y)·W + x)·C
            for ch in 0..<c {
                let src = p.inputPlane(n: n, c: ch) + y * w
                for x in 0..<w { dst[x * c + ch] = src[x] }
            }
        }
    }

    /// Depth of one group's column row: (C_in/G)·kh·kw, ordered tap-major, k = t·(C_in/G) + cl.
    /// Output channels of a group padded to a multiple of the widest micro-kernel's 32 columns.
    static func paddedGroupOut(_ g: DeformConvGeometry) -> Int {
        let columns = MicroKernelTile.packColumns
        return (g.groupOutChannels + columns - 1) / columns * columns
    }

    static func packedWeightCount(_ g: DeformConvGeometry) -> Int { g.groups * g.reductionLength * paddedGroupOut(g) }

    /// Blocks of 16 packed columns: `pack` is split over the workers by these.
    static func packBlocks(_ g: DeformConvGeometry) -> Int { g.groups * paddedGroupOut(g) / 16 }

    /// Packs columns 16·b … 16·b + 15 (of group b / (padded C_out/G / 16)): packed[k·ldb + j] =
    /// weight[co = group·(C_out/G) + j, cl, t] with k = t·(C_in/G) + cl; columns past C_out/G are 0.
    /// A blocked transpose: 16 weight rows are read in step (16 sequential streams) and each
    /// packed row segment of 16 is written whole.
    static func pack(_ p: ForwardProblem, blocks: StrideTo<Int>, into packed: UnsafeMutablePointer<Float>) {
        let ldb = paddedGroupOut(p.geometry)
        let blocksPerGroup = ldb / 16
        let depth = p.geometry.reductionLength
        for block in blocks {
            let group = block / blocksPerGroup, j0 = (block % blocksPerGroup) * 16
            let base = packed + group * depth * ldb + j0
            let valid = max(0, min(16, p.groupOut - j0))
            for cl in 0..<p.groupIn {
                for t in 0..<p.taps {
                    let row = base + (t * p.groupIn + cl) * ldb
                    for j in 0..<valid { row[j] = p.weightRow(co: group * p.groupOut + j0 + j)[cl * p.taps + t] }
                    for j in valid..<16 { row[j] = 0 }
                }
            }
        }
    }
}
