import DeformConvReference
import Testing

@testable import DeformConv

/// The backward's cell rule against the forward's tap: the same value weights bit for bit, so
/// grad_input spreads with the forward's weights, and the derivative's extra reach at exactly −1;
/// and the backward's 16-lane classification of interior cells against the scalar cell.
@Suite("BilinearCell agrees with BilinearTap")
struct BilinearCellTests {
    @Test(
        "value weights and their corners are the tap's, bit for bit, on edge, non-finite and huge coordinates",
        arguments: [(1, 1), (5, 3), (13, 11)])
    func sameWeights(height: Int, width: Int) {
        var rng = SeededGenerator(seed: UInt64(height * 17 + width))
        for _ in 0..<4000 {
            let y = BilinearTap8Tests.coordinate(height, &rng), x = BilinearTap8Tests.coordinate(width, &rng)
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

    @Test(
        "BilinearCell16 marks exactly the cells with four corners on the plane and non-zero value and spread weights, with their corner and weights",
        arguments: [(1, 1), (2, 2), (5, 3), (13, 11), (1000, 3), (BilinearTap8.maxSide - 1, 2)])
    func sixteenLanes(height: Int, width: Int) {
        var rng = SeededGenerator(seed: UInt64(height * 29 + width))
        for _ in 0..<2000 {
            var y = SIMD16<Float>(), x = SIMD16<Float>(), mask = SIMD16<Float>(), live = SIMDMask<SIMD16<Int32>>()
            for lane in 0..<16 {
                y[lane] = BilinearTap8Tests.coordinate(height, &rng)
                x[lane] = BilinearTap8Tests.coordinate(width, &rng)
                // 0 and values whose products with small weights underflow leave a spread weight 0.
                mask[lane] =
                    [1, 0, .nan, 1e-40, Float.random(in: 0...1, using: &rng)][Int.random(in: 0..<5, using: &rng)]
                live[lane] = Int.random(in: 0..<8, using: &rng) != 0
            }
            let cells = BilinearCell16(y: y, x: x, height: height, width: width, mask: mask, live: live)
            let weights = [cells.w0, cells.w1, cells.w2, cells.w3]
            for lane in 0..<16 {
                let cell = BilinearCell(y: y[lane], x: x[lane], height: height, width: width)
                let interior =
                    live[lane] && all(cell.onImage) && all(cell.value .!= 0) && all(cell.value * mask[lane] .!= 0)
                #expect(
                    cells.interior[lane] == interior, "y \(y[lane]) x \(x[lane]) m \(mask[lane]) in \(height)×\(width)")
                guard interior else { continue }
                #expect(Int32(cells.base[lane]) == cell.offsets[0])
                for k in 0..<4 {
                    #expect(
                        weights[k][lane].bitPattern == cell.value[k].bitPattern,
                        "corner \(k) of (\(y[lane]), \(x[lane]))")
                }
                // The slopes' coefficients (−hx, −lx, hx, lx) and (−hy, hy, −ly, ly), bit for bit.
                #expect(cells.lx[lane].bitPattern == cell.dy[3].bitPattern && (1 - cells.lx[lane]) == cell.dy[2])
                #expect(cells.ly[lane].bitPattern == cell.dx[3].bitPattern && (1 - cells.ly[lane]) == cell.dx[1])
            }
        }
    }
}
