/// The deformable convolution forward pass of one geometry, with one kernel variant and its
/// workspace allocated up front, so that repeated calls (a benchmark's timed loop) allocate
/// nothing.
///
/// Semantics are torchvision's `deform_conv2d` (see `BilinearTap` for the sampling rule and
/// the border). Not safe to call concurrently on one instance: the workspace is the instance's.
public final class DeformConvolution {
    public let geometry: DeformConvGeometry
    public let variant: KernelVariant
    /// The layout of input and output (offsets, masks and weights are always torchvision's).
    public let layout: TensorLayout
    private let kernel: any ForwardKernel
    /// The copy of the weights given to `prepare(weight:)`.
    private var preparedWeight: Tensor?
    /// As given, for the backward kernel made at the first backward call.
    let options: KernelOptions
    var backwardKernel: (any BackwardKernel)?

    /// `layout` `.nhwc` is native to `blockedGather`; the other variants run on transposed
    /// copies made inside each call.
    public init(
        geometry: DeformConvGeometry, variant: KernelVariant, options: KernelOptions = .init(),
        layout: TensorLayout = .nchw
    ) throws {
        try options.validate()
        self.geometry = geometry
        self.variant = variant
        self.layout = layout
        self.options = options
        let nchwKernel: any ForwardKernel
        switch variant {
        case .naive: nchwKernel = NaiveKernel()
        case .tiled: nchwKernel = TiledKernel(geometry: geometry, options: options)
        case .dispatch: nchwKernel = DispatchKernel(geometry: geometry, options: options)
        case .blockedGather:
            kernel = BlockedGatherKernel(geometry: geometry, options: options, layout: layout)
            return
        }
        kernel = layout == .nchw ? nchwKernel : try ChannelsLastAdapter(nchwKernel, geometry: geometry)
    }

    /// Bytes of workspace this instance holds (all workers together).
    public var workspaceBytes: Int { kernel.workspaceBytes }

    /// The part of `workspaceBytes` that holds per-call layout conversions (the NHWC copy of the
    /// input and the packed weights of `blockedGather`): as large as those tensors, where the
    /// rest is bounded by the cache-sized blocks of the workers.
    public var sharedWorkspaceBytes: Int { kernel.sharedWorkspaceBytes }

    /// Sampling-plan entries built by the last `forward`, for variants that build a plan
    /// (`blockedGather`): N·OG·kh·kw·H_out·W_out when each is built once and reused by every
    /// channel of its offset group. Nil for the others.
    public var lastPlanEntriesBuilt: Int? { kernel.planEntriesBuilt }

    /// Computes `output` = deform_conv2d(input, offset, weight, bias, mask) after checking every
    /// shape against the geometry. `mask` and `bias` must be given exactly when the geometry
    /// says so.
    public func forward(
        input: Tensor, offset: Tensor, mask: Tensor?, weight: Tensor, bias: Tensor?, output: Tensor
    ) throws {
        try checkShapes(input: input, offset: offset, mask: mask, weight: weight, bias: bias, output: output)
        kernel.forward(
            ConvolutionCall(
                geometry: geometry, input: input.data, offset: offset.data, mask: mask?.data,
                weight: weight.data, bias: bias?.data, output: output.data))
    }

    /// Takes weights once for many calls, as an inference operator does with constant weights
    /// (XNNPACK's and OpenVINO's do the same): checks and copies them, and `blockedGather` packs
    /// them here, so ``forward(input:offset:mask:bias:output:)`` skips its per-call packing.
    /// Preparing again replaces them; calls that pass weights keep working as before and leave
    /// the prepared ones in place.
    public func prepare(weight: Tensor) throws {
        try Self.check("weight", weight, geometry.weightShape)
        let copy = try Tensor(shape: weight.shape)
        copy.data.update(from: weight.data, count: weight.count)
        preparedWeight = copy
        kernel.prepare(weight: copy)
    }

    /// The forward pass with the weights given to ``prepare(weight:)``.
    public func forward(input: Tensor, offset: Tensor, mask: Tensor?, bias: Tensor?, output: Tensor) throws {
        guard let weight = preparedWeight else {
            throw DeformConvError.tensorPresence(
                tensor: "weight", reason: "was not prepared: call prepare(weight:) first")
        }
        try checkShapes(input: input, offset: offset, mask: mask, weight: weight, bias: bias, output: output)
        kernel.forward(
            ConvolutionCall(
                geometry: geometry, input: input.data, offset: offset.data, mask: mask?.data,
                weight: weight.data, bias: bias?.data, output: output.data), preparedWeights: true)
    }

    /// The forward pass into a new output tensor.
    public func forward(input: Tensor, offset: Tensor, mask: Tensor?, weight: Tensor, bias: Tensor?) throws -> Tensor {
        let output = try Tensor(shape: geometry.outputShape(layout))
        try forward(input: input, offset: offset, mask: mask, weight: weight, bias: bias, output: output)
        return output
    }

    /// Throws unless every tensor has the geometry's shape and mask and bias are given exactly
    /// when the geometry says so.
    public func checkShapes(
        input: Tensor, offset: Tensor, mask: Tensor?, weight: Tensor, bias: Tensor?, output: Tensor?
    ) throws {
        try Self.check("input", input, geometry.inputShape(layout))
        try Self.check("offset", offset, geometry.offsetShape)
        try Self.check("mask", mask, geometry.maskShape, required: geometry.hasMask, flag: "hasMask")
        try Self.check("weight", weight, geometry.weightShape)
        try Self.check("bias", bias, geometry.biasShape, required: geometry.hasBias, flag: "hasBias")
        if let output { try Self.check("output", output, geometry.outputShape(layout)) }
    }

    static func check(_ name: String, _ tensor: Tensor, _ expected: [Int]) throws {
        guard tensor.shape == expected else {
            throw DeformConvError.shapeMismatch(tensor: name, expected: expected, actual: tensor.shape)
        }
    }

    static func check(_ name: String, _ tensor: Tensor?, _ expected: [Int], required: Bool, flag: String) throws {
        switch (tensor, required) {
        case let (tensor?, true): try check(name, tensor, expected)
        case (nil, false): break
        case (nil, true):
            throw DeformConvError.tensorPresence(tensor: name, reason: "is required: the geometry has \(flag)")
        case (_?, false):
            throw DeformConvError.tensorPresence(tensor: name, reason: "was given but the geometry has no \(flag)")
        }
    }
}

/// What a kernel variant implements; one conformer per file under Variants/.
protocol ForwardKernel: AnyObject {
    var workspaceBytes: Int { get }
    var sharedWorkspaceBytes: Int { get }
    var planEntriesBuilt: Int? { get }
    func forward(_ p: ConvolutionCall)
    /// Turns weights that stay constant into the kernel's own form, once (`blockedGather` packs
    /// them).
    func prepare(weight: Tensor)
    /// `forward` with `p.weight` the prepared weights: a kernel with a prepared form uses it.
    func forward(_ p: ConvolutionCall, preparedWeights: Bool)
}

extension ForwardKernel {
    var planEntriesBuilt: Int? { nil }
    var sharedWorkspaceBytes: Int { 0 }
    /// Kernels that read the weights as given have nothing to prepare.
    func prepare(weight: Tensor) {}
    func forward(_ p: ConvolutionCall, preparedWeights: Bool) { forward(p) }
}
