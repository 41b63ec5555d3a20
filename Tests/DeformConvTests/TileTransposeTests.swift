import Testing

@testable import DeformConv

@Suite("TileTranspose: the weight reorderings and the NHWC input")
struct TileTransposeTests {
    /// A transpose moves values without arithmetic, so the comparison is exact. The shapes take
    /// whole 8 × 8 tiles only, partial tiles on either side and both (9 taps × 13 channels), a
    /// single row or column, and the backward's own 3 × 3 weight rows both ways.
    @Test("every element lands at its transposed place, nothing else is written")
    func matchesDefinition() {
        for (rows, columns) in [(8, 8), (16, 24), (9, 13), (13, 9), (1, 7), (7, 1), (64, 9), (9, 64), (3, 5)] {
            let count = rows * columns
            let source = (0..<count).map { Float($0) + 0.5 }
            // One guard element past the end: the transpose must stop at rows × columns.
            var destination = [Float](repeating: -1, count: count + 1)
            source.withUnsafeBufferPointer { s in
                destination.withUnsafeMutableBufferPointer { d in
                    TileTranspose.transpose(s.baseAddress!, rows: rows, columns: columns, into: d.baseAddress!)
                }
            }
            var wrong = 0
            for r in 0..<rows {
                for c in 0..<columns where destination[c * rows + r] != source[r * columns + c] { wrong += 1 }
            }
            #expect(wrong == 0, "\(rows)×\(columns): \(wrong) elements misplaced")
            #expect(destination[count] == -1, "\(rows)×\(columns): wrote past the end")
        }
    }

    /// The NHWC transpose's form: rows (channels) a plane apart, destination rows (pixels) C
    /// apart with room to spare. Every element in the strided places, and the gaps between the
    /// destination's rows untouched (a transpose that used the dense strides would write there).
    @Test("strided source and destination, the gaps left alone")
    func strided() {
        for (rows, columns, sourceStride, destinationStride) in [(16, 16, 20, 24), (9, 13, 17, 11), (64, 56, 3136, 72)]
        {
            let source = (0..<rows * sourceStride).map { Float($0) + 0.5 }
            var destination = [Float](repeating: -1, count: columns * destinationStride)
            source.withUnsafeBufferPointer { s in
                destination.withUnsafeMutableBufferPointer { d in
                    TileTranspose.transpose(
                        s.baseAddress!, rows: rows, columns: columns, sourceStride: sourceStride,
                        into: d.baseAddress!, destinationStride: destinationStride)
                }
            }
            var wrong = 0, touched = 0
            for c in 0..<columns {
                for r in 0..<rows where destination[c * destinationStride + r] != source[r * sourceStride + c] {
                    wrong += 1
                }
                for r in rows..<destinationStride where destination[c * destinationStride + r] != -1 { touched += 1 }
            }
            #expect(wrong == 0, "\(rows)×\(columns): \(wrong) elements misplaced")
            #expect(touched == 0, "\(rows)×\(columns): \(touched) gap elements written")
        }
    }
}
