/// The channels-last pieces of `blockedGather`: input transposed to [N, H, W, C] so a sampling
/// corner gives a vector of consecutive channels, and weights packed per group in panels of the
/// micro-kernel's width W: [C_out/G rounded up to 32 / W][(kh·kw)·(C_in/G)][W], so the
/// micro-kernel reads one contiguous stream of W output channels per k. (One [k][C_out/G] matrix
/// instead put a panel's rows C_out/G floats apart: at 256 channels, 1 KiB apart, all in 4 of an
/// L1's 64 sets.)
enum ChannelsLast {
    /// Rows `rows` (image n, input row y, flattened as n·H + y) of NCHW `input` into NHWC `out`:
    /// each row a C × W matrix (channels a plane apart) transposed into W pixels of C, in 8 × 8
    /// register tiles (``TileTranspose``): vector loads and stores only. (The 16 × 16 tiles
    /// through an L1 buffer it replaces stored element by element: one store per float.)
    static func transpose(_ p: ConvolutionCall, rows: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        let c = p.inChannels, w = p.width
        for row in rows {
            let n = row / p.height, y = row - n * p.height
            TileTranspose.transpose(
                p.inputPlane(n: n, c: 0) + y &* w, rows: c, columns: w, sourceStride: p.planeSize,
                into: out + row &* w &* c, destinationStride: c)
        }
    }

    /// Depth of one group's column row: (C_in/G)·kh·kw, ordered tap-major, k = t·(C_in/G) + cl.
    /// Output channels of a group padded to a multiple of the widest micro-kernel's 32 columns.
    static func paddedGroupOut(_ g: DeformConvGeometry) -> Int {
        let columns = MicroKernelTile.packColumns
        return (g.groupOutChannels + columns - 1) / columns * columns
    }

    static func packedWeightCount(_ g: DeformConvGeometry) -> Int { g.groups * g.reductionLength * paddedGroupOut(g) }

    /// The blocks of 16 packed columns that `worker` of `workers` packs: a contiguous run of whole
    /// 32-column panels, so each worker writes one stretch of the buffer and no cache line or
    /// panel is written by two workers. (Alternate blocks, one line each, had two workers write
    /// alternate lines of every panel, each core's line next to the other's.)
    static func packBlocks(_ g: DeformConvGeometry, worker: Int, workers: Int) -> Range<Int> {
        let panels = g.groups * paddedGroupOut(g) / MicroKernelTile.packColumns
        let blocksPerPanel = MicroKernelTile.packColumns / 16
        return panels * worker / workers * blocksPerPanel..<panels * (worker + 1) / workers * blocksPerPanel
    }

    /// The packed panel of output channels j ..< j + W of `group` (j a multiple of the width W):
    /// W·depth floats from (group·padded C_out/G + j)·depth, row k at k·W.
    static func panel(
        _ g: DeformConvGeometry, _ packed: UnsafePointer<Float>, group: Int, firstColumn j: Int
    ) -> UnsafePointer<Float> {
        packed + (group * paddedGroupOut(g) + j) * g.reductionLength
    }

    /// Packs columns 16·b … 16·b + 15 (of group b / (padded C_out/G / 16)) into panels of
    /// `width` (16 or 32): column j of the group, row k, at panel(j / W)[k·W + j mod W] =
    /// weight[co = group·(C_out/G) + j, cl, t] with k = t·(C_in/G) + cl; columns past C_out/G are 0.
    /// A transpose of the 16 weight rows (16 sequential streams) in two 8 × 8 register tiles per
    /// 8 weights of a row: each packed row segment of 16 (one cache line) is written whole, as
    /// two vectors back to back. (The element-wise transpose it replaces made one store per load.)
    static func pack(
        _ g: DeformConvGeometry, weight: UnsafePointer<Float>, blocks: Range<Int>, width: Int,
        into packed: UnsafeMutablePointer<Float>
    ) {
        let groupIn = g.groupInChannels, groupOut = g.groupOutChannels, taps = g.taps
        let blocksPerGroup = paddedGroupOut(g) / 16
        let depth = groupIn * taps  // weights per output channel, in (cl, t) order
        for block in blocks {
            let group = block / blocksPerGroup, j0 = (block % blocksPerGroup) * 16
            let base =
                UnsafeMutablePointer(mutating: panel(g, packed, group: group, firstColumn: j0 / width * width))
                + j0 % width
            let valid = max(0, min(16, groupOut - j0))
            let rows = weight + (group * groupOut + j0) * depth
            // Weight i of a row (i = cl·taps + t) goes to packed row k = t·(C_in/G) + cl.
            var i = 0, cl = 0, t = 0
            @inline(__always) func put(_ low: SIMD8<Float>, _ high: SIMD8<Float>) {
                let row = base + (t &* groupIn &+ cl) &* width
                TileTranspose.store(low, row)
                TileTranspose.store(high, row + 8)
                t &+= 1
                if t == taps { t = 0; cl &+= 1 }
            }
            if valid == 16 {
                while i &+ 8 <= depth {
                    var low = TileTranspose.Tile(rows + i, stride: depth)
                    var high = TileTranspose.Tile(rows + (8 &* depth &+ i), stride: depth)
                    low.transpose()
                    high.transpose()
                    put(low.r0, high.r0)
                    put(low.r1, high.r1)
                    put(low.r2, high.r2)
                    put(low.r3, high.r3)
                    put(low.r4, high.r4)
                    put(low.r5, high.r5)
                    put(low.r6, high.r6)
                    put(low.r7, high.r7)
                    i &+= 8
                }
            }
            // The rest of the rows' weights (all of them in a group's last, partial block of columns).
            while i < depth {
                let row = base + (t &* groupIn &+ cl) &* width
                for j in 0..<valid { row[j] = rows[j &* depth &+ i] }
                for j in valid..<16 { row[j] = 0 }
                i &+= 1
                t &+= 1
                if t == taps { t = 0; cl &+= 1 }
            }
        }
    }
}
