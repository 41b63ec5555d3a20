extension DeformConvGeometry {
    /// Taps of one kernel window, kh·kw.
    public var taps: Int { kernel.h * kernel.w }
    /// Input channels per convolution group, C_in/G.
    public var groupInChannels: Int { inChannels / groups }
    /// Output channels per convolution group, C_out/G.
    public var groupOutChannels: Int { outChannels / groups }
    /// Input channels per offset group, C_in/OG.
    public var offsetGroupChannels: Int { inChannels / offsetGroups }
    /// Output pixels of one image, H_out·W_out.
    public var outPixels: Int { outHeight * outWidth }
    /// Rows of the deformable column matrix of one group, (C_in/G)·kh·kw: the GEMM's depth.
    public var reductionLength: Int { groupInChannels * taps }

    public var inputShape: [Int] { [batch, inChannels, height, width] }
    /// (dy, dx) pairs, y first: channel 2·(og·kh·kw + t) is dy of offset group og, tap t.
    public var offsetShape: [Int] { [batch, 2 * offsetGroups * taps, outHeight, outWidth] }
    public var maskShape: [Int] { [batch, offsetGroups * taps, outHeight, outWidth] }
    public var weightShape: [Int] { [outChannels, groupInChannels, kernel.h, kernel.w] }
    public var biasShape: [Int] { [outChannels] }
    public var outputShape: [Int] { [batch, outChannels, outHeight, outWidth] }

    /// The shapes of every tensor this problem uses, by name, in the order of the golden files.
    public var tensorShapes: [(name: String, shape: [Int])] {
        var shapes: [(String, [Int])] = [("input", inputShape), ("offset", offsetShape)]
        if hasMask { shapes.append(("mask", maskShape)) }
        shapes.append(("weight", weightShape))
        if hasBias { shapes.append(("bias", biasShape)) }
        shapes.append(("output", outputShape))
        return shapes
    }

    /// Bytes (fp32) of each tensor of ``tensorShapes``.
    public func bytes(of tensor: String) -> Int {
        guard let shape = tensorShapes.first(where: { $0.name == tensor })?.shape else { return 0 }
        return shape.reduce(1, *) * MemoryLayout<Float>.size
    }

    /// Compulsory memory traffic: every input read once and the output written once.
    public var compulsoryBytes: Int {
        tensorShapes.reduce(0) { $0 + $1.shape.reduce(1, *) * MemoryLayout<Float>.size }
    }

    /// Sampling points, N·OG·kh·kw·H_out·W_out: one (dy, dx) each, shared by the channels of an
    /// offset group. A kernel that builds a sampling plan builds exactly this many entries.
    public var samplingPoints: Int { batch * offsetGroups * taps * outPixels }

    /// FLOPs of the multiply-adds, 2·N·C_out·(C_in/G)·kh·kw·H_out·W_out: the figure GFLOP/s is
    /// quoted in, the same as a dense convolution of the same shape.
    public var multiplyAddFLOPs: Double {
        2 * Double(batch) * Double(outChannels) * Double(reductionLength) * Double(outPixels)
    }

    /// FLOPs of the sampling, N·C_in·kh·kw·H_out·W_out·(7 + m), m = 1 with a mask: each sampled
    /// value blends four corners (4 multiplies, 3 adds) and, in DCNv2, is scaled by the mask.
    /// The coordinate and corner-weight arithmetic per sampling point is not counted.
    public var samplingFLOPs: Double {
        Double(batch) * Double(inChannels) * Double(taps) * Double(outPixels) * (hasMask ? 8 : 7)
    }
}
