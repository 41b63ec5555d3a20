/// A `rows` × `columns` matrix transposed: `destination[c·destinationStride + r] =
/// source[r·sourceStride + c]`, the strides `columns` and `rows` unless given (a dense matrix).
/// The backward's weights change order through it: torchvision's (C_in/G, kh·kw) per output
/// channel to the column rows' tap-major (kh·kw, C_in/G), and its grad_weight sums back; the
/// input's rows go from NCHW to NHWC through it (a row's channels a plane apart, its pixels C
/// apart: ``ChannelsLast/transpose(_:rows:into:)``), the forward's few-pixel column block into
/// rows of pixels, and the backward's blocks of grad_output into the orientation the layout does
/// not give and its few-pixel column rows between (t, cl) and (cl, t); the forward's weight
/// packing and NCHW output store and the backward's sum of the workers' grad_input copies use
/// its `Tile` directly.
///
/// In 8 × 8 tiles held in registers: eight rows' 8-float runs are loaded, shuffled, and stored
/// as eight 8-float runs of the destination's rows, so every load and store is a vector, not the
/// element-wise walk whose one store per load bound the backward at wide layers (a weight row of
/// 512 channels × 9 taps is 4,608 elements). Rows and columns past the last whole tile go element
/// by element.
enum TileTranspose {
    @inline(__always)
    static func transpose(
        _ source: UnsafePointer<Float>, rows: Int, columns: Int, sourceStride: Int? = nil,
        into destination: UnsafeMutablePointer<Float>, destinationStride: Int? = nil
    ) {
        let from = sourceStride ?? columns, to = destinationStride ?? rows
        let wholeRows = rows & ~7, wholeColumns = columns & ~7
        var r0 = 0
        while r0 < wholeRows {
            var c0 = 0
            while c0 < wholeColumns {
                var t = Tile(source + (r0 &* from &+ c0), stride: from)
                t.transpose()
                t.store(destination + (c0 &* to &+ r0), stride: to)
                c0 &+= 8
            }
            for c in wholeColumns..<columns {
                for r in r0..<r0 &+ 8 { destination[c &* to &+ r] = source[r &* from &+ c] }
            }
            r0 &+= 8
        }
        for r in wholeRows..<rows {
            for c in 0..<columns { destination[c &* to &+ r] = source[r &* from &+ c] }
        }
    }

    /// Eight rows of eight, from eight rows `stride` floats apart.
    struct Tile {
        var r0, r1, r2, r3, r4, r5, r6, r7: SIMD8<Float>

        @inline(__always)
        init(_ p: UnsafePointer<Float>, stride: Int) {
            r0 = TileTranspose.load(p)
            r1 = TileTranspose.load(p + stride)
            r2 = TileTranspose.load(p + 2 &* stride)
            r3 = TileTranspose.load(p + 3 &* stride)
            r4 = TileTranspose.load(p + 4 &* stride)
            r5 = TileTranspose.load(p + 5 &* stride)
            r6 = TileTranspose.load(p + 6 &* stride)
            r7 = TileTranspose.load(p + 7 &* stride)
        }

        /// The eight rows to eight rows `stride` floats apart.
        @inline(__always)
        func store(_ p: UnsafeMutablePointer<Float>, stride: Int) {
            TileTranspose.store(r0, p)
            TileTranspose.store(r1, p + stride)
            TileTranspose.store(r2, p + 2 &* stride)
            TileTranspose.store(r3, p + 3 &* stride)
            TileTranspose.store(r4, p + 4 &* stride)
            TileTranspose.store(r5, p + 5 &* stride)
            TileTranspose.store(r6, p + 6 &* stride)
            TileTranspose.store(r7, p + 7 &* stride)
        }

        /// Each row followed by `high`'s row as one 16-float run, eight of them `stride` floats
        /// apart: two tiles side by side stored a whole cache line per row.
        @inline(__always)
        func store(joining high: Tile, _ p: UnsafeMutablePointer<Float>, stride: Int) {
            @inline(__always) func put(_ low: SIMD8<Float>, _ high: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
                UnsafeMutableRawPointer(p).storeBytes(of: SIMD16(lowHalf: low, highHalf: high), as: SIMD16<Float>.self)
            }
            put(r0, high.r0, p)
            put(r1, high.r1, p + stride)
            put(r2, high.r2, p + 2 &* stride)
            put(r3, high.r3, p + 3 &* stride)
            put(r4, high.r4, p + 4 &* stride)
            put(r5, high.r5, p + 5 &* stride)
            put(r6, high.r6, p + 6 &* stride)
            put(r7, high.r7, p + 7 &* stride)
        }

        /// Each row plus `row` (a bias per column, added before a transpose).
        @inline(__always)
        mutating func addToEachRow(_ row: SIMD8<Float>) {
            r0 += row; r1 += row; r2 += row; r3 += row
            r4 += row; r5 += row; r6 += row; r7 += row
        }

        /// Each row plus `other`'s.
        @inline(__always)
        mutating func add(_ other: Tile) {
            r0 += other.r0; r1 += other.r1; r2 += other.r2; r3 += other.r3
            r4 += other.r4; r5 += other.r5; r6 += other.r6; r7 += other.r7
        }

        /// Three rounds of pairwise interleaves, of single lanes, pairs, then halves: the
        /// shuffles an 8 × 8 transpose takes on 8-lane registers.
        @inline(__always)
        mutating func transpose() {
            let a0 = Self.lanes(r0, r1, low: true), a1 = Self.lanes(r0, r1, low: false)
            let a2 = Self.lanes(r2, r3, low: true), a3 = Self.lanes(r2, r3, low: false)
            let a4 = Self.lanes(r4, r5, low: true), a5 = Self.lanes(r4, r5, low: false)
            let a6 = Self.lanes(r6, r7, low: true), a7 = Self.lanes(r6, r7, low: false)
            let b0 = Self.pairs(a0, a2, low: true), b1 = Self.pairs(a0, a2, low: false)
            let b2 = Self.pairs(a1, a3, low: true), b3 = Self.pairs(a1, a3, low: false)
            let b4 = Self.pairs(a4, a6, low: true), b5 = Self.pairs(a4, a6, low: false)
            let b6 = Self.pairs(a5, a7, low: true), b7 = Self.pairs(a5, a7, low: false)
            r0 = Self.halves(b0, b4, low: true)
            r1 = Self.halves(b1, b5, low: true)
            r2 = Self.halves(b2, b6, low: true)
            r3 = Self.halves(b3, b7, low: true)
            r4 = Self.halves(b0, b4, low: false)
            r5 = Self.halves(b1, b5, low: false)
            r6 = Self.halves(b2, b6, low: false)
            r7 = Self.halves(b3, b7, low: false)
        }

        /// Lanes 0, 1 (or 2, 3) of each 128-bit half of `a` and `b`, alternating.
        @inline(__always)
        private static func lanes(_ a: SIMD8<Float>, _ b: SIMD8<Float>, low: Bool) -> SIMD8<Float> {
            low
                ? SIMD8(a[0], b[0], a[1], b[1], a[4], b[4], a[5], b[5])
                : SIMD8(a[2], b[2], a[3], b[3], a[6], b[6], a[7], b[7])
        }

        /// Lane pairs 0 (or 1) of each 128-bit half of `a` and `b`, alternating.
        @inline(__always)
        private static func pairs(_ a: SIMD8<Float>, _ b: SIMD8<Float>, low: Bool) -> SIMD8<Float> {
            low
                ? SIMD8(a[0], a[1], b[0], b[1], a[4], a[5], b[4], b[5])
                : SIMD8(a[2], a[3], b[2], b[3], a[6], a[7], b[6], b[7])
        }

        /// The low (or high) 128-bit halves of `a` and `b`.
        @inline(__always)
        private static func halves(_ a: SIMD8<Float>, _ b: SIMD8<Float>, low: Bool) -> SIMD8<Float> {
            low ? SIMD8(lowHalf: a.lowHalf, highHalf: b.lowHalf) : SIMD8(lowHalf: a.highHalf, highHalf: b.highHalf)
        }
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }
}
