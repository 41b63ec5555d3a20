extension DeformConvolution {
    /// Computes the gradients present in `gradients` (each overwritten; see
    /// ``DeformConvGradients``) of sum(output · gradOutput) for the forward call with these
    /// arguments, after checking every shape. Semantics are torchvision's autograd of
    /// `deform_conv2d` (``BilinearCell``), the bias needing no forward argument. The backward
    /// kernel and its workspace are made at the first call and reused.
    ///
    /// `naive` computes from the definition, one thread; `blockedGather` on the options'
    /// executor, deterministic for a given worker count. `nhwc` input, grad_output and
    /// grad_input run on `blockedGather` only; `tiled` and `dispatch` have no backward.
    public func backward(
        input: Tensor, offset: Tensor, mask: Tensor?, weight: Tensor, gradOutput: Tensor, gradients: DeformConvGradients
    ) throws {
        guard variant.hasBackward else {
            throw DeformConvError.unsupported(
                operation: "backward of \(variant)",
                reason: "only naive and blockedGather have a backward pass")
        }
        guard layout == .nchw || variant == .blockedGather else {
            throw DeformConvError.unsupported(
                operation: "backward of \(variant) in \(layout)",
                reason: "only blockedGather runs the backward pass channels-last")
        }
        let g = geometry
        try Self.check("input", input, g.inputShape(layout))
        try Self.check("offset", offset, g.offsetShape)
        try Self.check("mask", mask, g.maskShape, required: g.hasMask, flag: "hasMask")
        try Self.check("weight", weight, g.weightShape)
        try Self.check("grad_output", gradOutput, g.outputShape(layout))
        if let t = gradients.input { try Self.check("grad_input", t, g.inputShape(layout)) }
        if let t = gradients.offset { try Self.check("grad_offset", t, g.offsetShape) }
        if let t = gradients.weight { try Self.check("grad_weight", t, g.weightShape) }
        if !g.hasMask && gradients.mask != nil {
            throw DeformConvError.tensorPresence(
                tensor: "grad_mask", reason: "was given but the geometry has no hasMask")
        }
        if let t = gradients.mask { try Self.check("grad_mask", t, g.maskShape) }
        if !g.hasBias && gradients.bias != nil {
            throw DeformConvError.tensorPresence(
                tensor: "grad_bias", reason: "was given but the geometry has no hasBias")
        }
        if let t = gradients.bias { try Self.check("grad_bias", t, g.biasShape) }
        // A gradient written over an argument (or another gradient) would be read half-written.
        let read: [(String, Tensor?)] = [
            ("input", input), ("offset", offset), ("mask", mask), ("weight", weight), ("grad_output", gradOutput),
        ]
        let written: [(String, Tensor?)] = GradientSelection.named.map { ("grad_\($0.name)", gradients[$0.name]) }
        var seen: [ObjectIdentifier: String] = [:]
        for (name, tensor) in read + written {
            guard let tensor else { continue }
            if let other = seen[ObjectIdentifier(tensor)], written.contains(where: { $0.0 == name }) {
                throw DeformConvError.tensorPresence(
                    tensor: name, reason: "is the same tensor as \(other): gradients need tensors of their own")
            }
            seen[ObjectIdentifier(tensor)] = name
        }
        let kernel = backwardKernel ?? makeBackwardKernel()
        backwardKernel = kernel
        kernel.backward(
            BackwardProblem(
                geometry: g, input: input.data, offset: offset.data, mask: mask?.data, weight: weight.data,
                gradOutput: gradOutput.data, gradients: gradients))
    }

    /// The gradients of `selection` (``GradientSelection/all(_:)`` for every one) in new tensors.
    public func backward(
        input: Tensor, offset: Tensor, mask: Tensor?, weight: Tensor, gradOutput: Tensor,
        computing selection: GradientSelection
    ) throws -> DeformConvGradients {
        let gradients = try DeformConvGradients(selection, geometry: geometry, layout: layout)
        try backward(
            input: input, offset: offset, mask: mask, weight: weight, gradOutput: gradOutput, gradients: gradients)
        return gradients
    }

    /// What the last backward call computed; nil before the first.
    public var lastBackwardWork: BackwardWork? { backwardKernel?.lastWork }

    /// Bytes of workspace the backward kernel holds (0 before the first backward call).
    public var backwardWorkspaceBytes: Int { backwardKernel?.workspaceBytes ?? 0 }

    private func makeBackwardKernel() -> any BackwardKernel {
        variant == .naive
            ? NaiveBackward() : BlockedGatherBackward(geometry: geometry, options: options, layout: layout)
    }
}
