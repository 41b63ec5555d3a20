/// The sampling plan of one pixel block: a ``BilinearTap`` per (offset group, kernel tap, pixel),
/// built once and then applied to every input channel of the offset group, which is what
/// separates `blockedGather` from the im2col designs that recompute the taps per channel.
///
/// Layout: entry (og, t, q) at `(og·kh·kw + t)·capacity + q`, q the pixel's index in the block.
struct SamplingPlan {
    let capacity: Int
    let taps: Int
    let rows: Int
    let entries: UnsafeMutablePointer<BilinearTap>

    /// Room for blocks of up to `capacity` pixels of `geometry`.
    init(geometry: DeformConvGeometry, capacity: Int) {
        self.capacity = capacity
        taps = geometry.taps
        rows = geometry.offsetGroups * geometry.taps
        entries = .allocate(capacity: rows * capacity)
        entries.initialize(repeating: .zero, count: rows * capacity)
    }

    func deallocate() { entries.deallocate() }

    static func bytes(geometry: DeformConvGeometry, capacity: Int) -> Int {
        geometry.offsetGroups * geometry.taps * capacity * MemoryLayout<BilinearTap>.stride
    }

    /// Plans pixels `first ..< first + count` of image `n`; returns the entries built.
    func build(_ p: ForwardProblem, n: Int, first: Int, count: Int) -> Int {
        for og in 0..<p.offsetGroups {
            for t in 0..<p.taps {
                let row = self.row(og: og, t: t)
                var oy = first / p.outWidth, ox = first - oy * p.outWidth
                for q in 0..<count {
                    row[q] = p.tap(n: n, og: og, t: t, oy: oy, ox: ox)
                    ox += 1
                    if ox == p.outWidth { ox = 0; oy += 1 }
                }
            }
        }
        return rows * count
    }

    @inline(__always)
    func row(og: Int, t: Int) -> UnsafeMutablePointer<BilinearTap> {
        entries + (og * taps + t) * capacity
    }
}
