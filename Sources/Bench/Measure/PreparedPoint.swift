import DeformConv
import Foundation
import Topology

/// A point ready to sample: data written, kernel built, checked, warmed up and calibrated.
final class PreparedPoint {
    let point: BenchPoint
    let geometry: DeformConvGeometry
    let pool: PinnedPool
    let executor: PoolExecutor
    let kernel: any BenchKernel
    let data: TestData
    var iterations = 1
    var samples: [SampleRow] = []
    var pus = Set<Int>()
    var elapsed = 0.0

    init(
        point: BenchPoint, geometry: DeformConvGeometry, pool: PinnedPool, kernel: any BenchKernel,
        executor: PoolExecutor, data: TestData
    ) {
        self.point = point
        self.geometry = geometry
        self.pool = pool
        self.kernel = kernel
        self.executor = executor
        self.data = data
    }

    func callKernel() throws {
        if point.direction != .bwd { try callForward() }
        if let gradOutput = data.gradOutput, let gradients = data.gradients {
            try kernel.backward(
                input: data.input, offset: data.offset, mask: data.mask, weight: data.weight,
                gradOutput: gradOutput, gradients: gradients)
        }
    }

    /// `fwd+bwd` runs the forward first, as a training step does.
    private func callForward() throws {
        switch point.weights {
        case .call:
            try kernel.forward(
                input: data.input, offset: data.offset, mask: data.mask, weight: data.weight, bias: nil,
                output: data.output)
        case .prepared:
            try kernel.forward(input: data.input, offset: data.offset, mask: data.mask, bias: nil, output: data.output)
        }
    }
}
