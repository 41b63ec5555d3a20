import DeformConv

/// What the harness times for a point: the forward pass (weights per call or prepared) and the
/// backward of one problem. A `DeformConvolution`, or in tests a deliberately broken or slowed
/// stand-in.
public protocol BenchKernel: AnyObject {
    var workspaceBytes: Int { get }
    func forward(input: Tensor, offset: Tensor, mask: Tensor?, weight: Tensor, bias: Tensor?, output: Tensor) throws
    /// Weights given once, for points with prepared weights (`DeformConvolution.prepare(weight:)`).
    func prepare(weight: Tensor) throws
    /// The forward pass with the prepared weights.
    func forward(input: Tensor, offset: Tensor, mask: Tensor?, bias: Tensor?, output: Tensor) throws
    /// The backward pass into the gradients present (`DeformConvolution.backward`).
    func backward(
        input: Tensor, offset: Tensor, mask: Tensor?, weight: Tensor, gradOutput: Tensor,
        gradients: DeformConvGradients) throws
    /// Workspace of the backward pass, once one has run.
    var backwardWorkspaceBytes: Int { get }
}

extension DeformConvolution: BenchKernel {}

/// Makes the kernel of a point.
public typealias KernelFactory = @Sendable (BenchPoint, DeformConvGeometry, KernelOptions) throws -> any BenchKernel

/// The library's kernels.
public let standardKernels: KernelFactory = { point, geometry, options in
    try DeformConvolution(geometry: geometry, variant: point.variant, options: options, layout: point.layout)
}
