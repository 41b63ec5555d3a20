/// One validated call as the kernels see it: the geometry's sizes as plain integers and the
/// tensors as raw pointers. Built by ``DeformConvolution`` after every shape check, so the
/// kernels index without bounds checks; the forward writes `output`, the backward
/// (``BackwardProblem``) reads its sampling coordinates from the same fields.
struct ConvolutionCall: @unchecked Sendable {
    let geometry: DeformConvGeometry
    let input: UnsafePointer<Float>
    let offset: UnsafePointer<Float>
    let mask: UnsafePointer<Float>?
    let weight: UnsafePointer<Float>
    let bias: UnsafePointer<Float>?
    let output: UnsafeMutablePointer<Float>

    // The geometry's sizes, stored because hot loops read them (the geometry computes them).
    let height: Int, width: Int, planeSize: Int
    let outWidth: Int, outPixels: Int
    let kernelWidth: Int, taps: Int
    let strideH: Int, strideW: Int, padH: Int, padW: Int, dilationH: Int, dilationW: Int
    let inChannels: Int, outChannels: Int, offsetGroups: Int
    let groupIn: Int, groupOut: Int, offsetGroupChannels: Int

    init(
        geometry g: DeformConvGeometry, input: UnsafePointer<Float>, offset: UnsafePointer<Float>,
        mask: UnsafePointer<Float>?, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        output: UnsafeMutablePointer<Float>
    ) {
        geometry = g
        self.input = input
        self.offset = offset
        self.mask = mask
        self.weight = weight
        self.bias = bias
        self.output = output
        height = g.height
        width = g.width
        planeSize = g.height * g.width
        outWidth = g.outWidth
        outPixels = g.outPixels
        kernelWidth = g.kernel.w
        taps = g.taps
        strideH = g.stride.h
        strideW = g.stride.w
        padH = g.padding.h
        padW = g.padding.w
        dilationH = g.dilation.h
        dilationW = g.dilation.w
        inChannels = g.inChannels
        outChannels = g.outChannels
        offsetGroups = g.offsetGroups
        groupIn = g.groupInChannels
        groupOut = g.groupOutChannels
        offsetGroupChannels = g.offsetGroupChannels
    }

    /// The same problem on other input and output buffers of the same shapes.
    func replacing(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) -> ConvolutionCall {
        ConvolutionCall(
            geometry: geometry, input: input, offset: offset, mask: mask, weight: weight, bias: bias, output: output)
    }

    /// The H×W plane of input channel `c` of image `n`.
    @inline(__always)
    func inputPlane(n: Int, c: Int) -> UnsafePointer<Float> {
        input + (n * inChannels + c) * planeSize
    }

    /// The output row of channel `co` of image `n`: H_out·W_out values.
    @inline(__always)
    func outputPlane(n: Int, co: Int) -> UnsafeMutablePointer<Float> {
        output + (n * outChannels + co) * outPixels
    }

    /// The weights of output channel `co`: (C_in/G)·kh·kw values, index cl·kh·kw + t.
    @inline(__always)
    func weightRow(co: Int) -> UnsafePointer<Float> {
        weight + co * groupIn * taps
    }

    /// The bilinear tap of image `n`, offset group `og`, kernel tap `t` (= i·kw + j) at output
    /// pixel `pixel` (= oy·W_out + ox): sample position
    /// (oy·sh − ph + i·dh + dy, ox·sw − pw + j·dw + dx), weights scaled by the mask.
    @inline(__always)
    func tap(n: Int, og: Int, t: Int, oy: Int, ox: Int) -> BilinearTap {
        let pixel = oy * outWidth + ox
        let point = (n * offsetGroups + og) * taps + t  // sampling-point channel of the mask
        let dy = offset[(2 * point) * outPixels + pixel]  // channel 2·(og·kh·kw + t) of image n
        let dx = offset[(2 * point + 1) * outPixels + pixel]
        let scale = mask.map { $0[point * outPixels + pixel] } ?? 1
        let i = t / kernelWidth, j = t - i * kernelWidth
        // Integer parts are exact in Float: the geometry caps them at 2^24.
        let y = Float(oy * strideH - padH + i * dilationH) + dy
        let x = Float(ox * strideW - padW + j * dilationW) + dx
        return BilinearTap(y: y, x: x, height: height, width: width, scale: scale)
    }
}
