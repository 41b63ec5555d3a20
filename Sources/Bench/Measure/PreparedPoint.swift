import DeformConv
import Foundation
import Topology

/// A point ready to sample: data written, kernel built, checked, warmed up and calibrated.
final class PreparedPoint {
    let point: BenchPoint
    let geometry: DeformConvGeometry
    let pool: PinnedPool
    let executor: PoolExecutor
    let kernel: any ForwardRunning
    let data: TestData
    var iterations = 1
    var samples: [SampleRow] = []
    var pus = Set<Int>()
    var elapsed = 0.0

    init(point: BenchPoint, geometry: DeformConvGeometry, pool: PinnedPool, kernel: any ForwardRunning,
         executor: PoolExecutor, data: TestData) {
        self.point = point
        self.geometry = geometry
        self.pool = pool
        self.kernel = kernel
        self.executor = executor
        self.data = data
    }

    func callKernel() throws {
        switch point.weights {
        case .call:
            try kernel.forward(input: data.input, offset: data.offset, mask: data.mask, weight: data.weight, bias: nil,
                               output: data.output)
        case .prepared:
            try kernel.forward(input: data.input, offset: data.offset, mask: data.mask, bias: nil, output: data.output)
        }
    }
}
