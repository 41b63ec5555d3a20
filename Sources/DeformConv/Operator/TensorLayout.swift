/// How input and output are laid out. Offsets, masks and weights keep torchvision's layouts in
/// both; only the image tensors change.
public enum TensorLayout: String, CaseIterable, Sendable, Codable, CustomStringConvertible {
    /// input [N, C_in, H, W], output [N, C_out, H_out, W_out] (torchvision's).
    case nchw
    /// input [N, H, W, C_in], output [N, H_out, W_out, C_out]: channels-last, what
    /// `blockedGather` computes in, so no transposes are needed.
    case nhwc

    public var description: String { rawValue }

    public init(named name: String) throws {
        guard let layout = TensorLayout(rawValue: name) else {
            throw DeformConvError.invalidOption(name: "layout", reason: "'\(name)' is not nchw or nhwc")
        }
        self = layout
    }
}

extension DeformConvGeometry {
    public func inputShape(_ layout: TensorLayout) -> [Int] {
        layout == .nchw ? inputShape : [batch, height, width, inChannels]
    }

    public func outputShape(_ layout: TensorLayout) -> [Int] {
        layout == .nchw ? outputShape : [batch, outHeight, outWidth, outChannels]
    }
}

/// Runs an NCHW kernel on NHWC tensors: input transposed into a scratch NCHW copy, output
/// computed into another and transposed back, all inside the call (and its time).
final class ChannelsLastAdapter: ForwardKernel {
    private let inner: any ForwardKernel
    private let input: Tensor
    private let output: Tensor

    init(_ inner: any ForwardKernel, geometry: DeformConvGeometry) throws {
        self.inner = inner
        input = try Tensor(shape: geometry.inputShape)
        output = try Tensor(shape: geometry.outputShape)
    }

    var workspaceBytes: Int { inner.workspaceBytes + sharedWorkspaceBytes }
    var sharedWorkspaceBytes: Int {
        inner.sharedWorkspaceBytes + (input.count + output.count) * MemoryLayout<Float>.size
    }
    var planEntriesBuilt: Int? { inner.planEntriesBuilt }

    func forward(_ p: ConvolutionCall) {
        let g = p.geometry
        transposeImages(p.input, into: input.data, images: g.batch, rows: g.height * g.width, columns: g.inChannels)
        inner.forward(p.replacing(input: input.data, output: output.data))
        transposeImages(output.data, into: p.output, images: g.batch, rows: g.outChannels, columns: g.outPixels)
    }
}

/// For each of `images` images: dst[c·rows + r] = src[r·columns + c] (a rows × columns matrix
/// transposed): NHWC ↔ NCHW with rows × columns = pixels × channels or channels × pixels.
func transposeImages(
    _ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>,
    images: Int, rows: Int, columns: Int
) {
    for n in 0..<images {
        let s = src + n * rows * columns, d = dst + n * rows * columns
        for r in 0..<rows {
            for c in 0..<columns { d[c * rows + r] = s[r * columns + c] }
        }
    }
}

extension Tensor {
    /// An NCHW copy of this NHWC tensor; `nchwShape` is [N, C, H, W].
    public func nchwCopy(shape nchwShape: [Int]) throws -> Tensor {
        guard nchwShape.count == 4, shape == [nchwShape[0], nchwShape[2], nchwShape[3], nchwShape[1]] else {
            throw DeformConvError.shapeMismatch(
                tensor: "nhwc",
                expected: nchwShape.count == 4 ? [nchwShape[0], nchwShape[2], nchwShape[3], nchwShape[1]] : nchwShape,
                actual: shape)
        }
        let out = try Tensor(shape: nchwShape)
        transposeImages(
            data, into: out.data, images: nchwShape[0], rows: nchwShape[2] * nchwShape[3], columns: nchwShape[1])
        return out
    }
}
