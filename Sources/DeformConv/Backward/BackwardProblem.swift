/// One validated backward call as the kernels see it: the forward call's sizes and tensors, the
/// incoming gradient, and a pointer for each gradient asked for. Built by ``DeformConvolution``
/// after every shape check, so the kernels index without bounds checks.
struct BackwardProblem: @unchecked Sendable {
    /// The forward call's sizes, input, offset, mask and weights, for its sampling rule
    /// (``ConvolutionCall/cell(n:og:t:oy:ox:)``); its `output` is `gradOutput`, never written.
    let forward: ConvolutionCall
    /// dL/d(output), in the output's shape and layout.
    let gradOutput: UnsafePointer<Float>
    let gradInput: UnsafeMutablePointer<Float>?
    let gradOffset: UnsafeMutablePointer<Float>?
    let gradMask: UnsafeMutablePointer<Float>?
    let gradWeight: UnsafeMutablePointer<Float>?
    let gradBias: UnsafeMutablePointer<Float>?

    init(
        geometry: DeformConvGeometry, input: UnsafePointer<Float>, offset: UnsafePointer<Float>,
        mask: UnsafePointer<Float>?, weight: UnsafePointer<Float>, gradOutput: UnsafePointer<Float>,
        gradients: DeformConvGradients
    ) {
        forward = ConvolutionCall(
            geometry: geometry, input: input, offset: offset, mask: mask, weight: weight,
            bias: nil, output: UnsafeMutablePointer(mutating: gradOutput))
        self.gradOutput = gradOutput
        gradInput = gradients.input?.data
        gradOffset = gradients.offset?.data
        gradMask = gradients.mask?.data
        gradWeight = gradients.weight?.data
        gradBias = gradients.bias?.data
    }

    /// Whether the columns' gradient (weightsᵀ × grad_output) is needed: by grad_input,
    /// grad_offset and grad_mask, not by grad_weight or grad_bias.
    var needsColumnGradient: Bool { gradInput != nil || gradOffset != nil || gradMask != nil }

    /// Sets every gradient asked for to 0, before the kernels accumulate into them.
    func zeroGradients() {
        let g = forward.geometry
        gradInput?.update(repeating: 0, count: g.inputShape.reduce(1, *))
        gradOffset?.update(repeating: 0, count: g.offsetShape.reduce(1, *))
        gradMask?.update(repeating: 0, count: g.maskShape.reduce(1, *))
        gradWeight?.update(repeating: 0, count: g.weightShape.reduce(1, *))
        gradBias?.update(repeating: 0, count: g.outChannels)
    }
}

/// What a backward design implements; one conformer per file under Backward/.
protocol BackwardKernel: AnyObject {
    var workspaceBytes: Int { get }
    /// Counted during the last `backward`.
    var lastWork: BackwardWork { get }
    func backward(_ b: BackwardProblem)
}
