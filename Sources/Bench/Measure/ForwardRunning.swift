import DeformConv

/// Something that computes the forward pass of one prepared problem: a `DeformConvolution`,
/// or in tests a deliberately broken or slowed stand-in.
public protocol ForwardRunning: AnyObject {
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

extension DeformConvolution: ForwardRunning {}

/// Makes the kernel of a point.
public typealias KernelFactory = @Sendable (BenchPoint, DeformConvGeometry, ForwardOptions) throws -> any ForwardRunning

/// The library's kernels.
public let standardKernels: KernelFactory = { point, geometry, options in
    try DeformConvolution(geometry: geometry, variant: point.variant, options: options, layout: point.layout)
}
