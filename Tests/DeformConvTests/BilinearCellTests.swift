import DeformConvReference
import Testing

@testable import DeformConv

/// The backward's cell rule against the forward's tap: the same value weights bit for bit, so
/// grad_input spreads with the forward's weights, and the derivative's extra reach at exactly −1.
@Suite("BilinearCell agrees with BilinearTap")
struct BilinearCellTests {
    @Test(
        "value weights and their corners are the tap's, bit for bit, on edge, non-finite and huge coordinates",
        arguments: [(1, 1), (5, 3), (13, 11)])
    func sameWeights(height: Int, width: Int) {
        var rng = SeededGenerator(seed: UInt64(height * 17 + width))
        for _ in 0..<4000 {
            let y = BilinearTap16Tests.coordinate(height, &rng), x = BilinearTap16Tests.coordinate(width, &rng)
            let tap = BilinearTap(y: y, x: x, height: height, width: width, scale: 1)
            let cell = BilinearCell(y: y, x: x, height: height, width: width)
            for k in 0..<4 {
                #expect(tap.weights[k].bitPattern == cell.value[k].bitPattern, "(\(y), \(x)) corner \(k)")
                if tap.weights[k] != 0 { #expect(tap.offsets[k] == cell.offsets[k]) }
            }
            // The cell reaches one value further on each axis: exactly −1 (value 0, slope not).
            let inside = y >= -1 && y < Float(height) && x >= -1 && x < Float(width)
            if !inside { #expect(cell.isEmpty) }
        }
    }

    @Test("at exactly −1 the value is 0 and the derivative along that axis reads the row below")
    func minusOne() {
        let plane: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9]  // 3×3
        let cell = BilinearCell(y: -1, x: 0.5, height: 3, width: 3)
        plane.withUnsafeBufferPointer { p in
            let (v, dy, dx) = cell.sample(p.baseAddress!)
            #expect(v == 0 && dx == 0)
            #expect(dy == 0.5 * 1 + 0.5 * 2)  // (1−lx)·I(0,0) + lx·I(0,1), the row y0 + 1 = 0
        }
        #expect(BilinearCell(y: -1.5, x: 0.5, height: 3, width: 3).isEmpty)
        #expect(BilinearCell(y: 3, x: 0.5, height: 3, width: 3).isEmpty)
        #expect(BilinearCell(y: .nan, x: 0.5, height: 3, width: 3).isEmpty)
    }
}
