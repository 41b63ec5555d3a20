/// The output pixels one worker computes: an equal share of the (image, pixel) positions, in
/// order, the shares of any two workers at most one pixel apart, cut into blocks of at most
/// `blockPixels` that do not cross an image.
///
/// Dealing whole blocks round-robin instead left the workers up to a block apart, since a
/// block count is rarely a multiple of the worker count times a block: at 128@28² (784 pixels in
/// 8 blocks of 102) two workers got 408 and 376 pixels, a ceiling of 1.92× on two threads.
/// A pixel's result does not depend on the block it falls in, so only the timing changes.
struct PixelShare {
    /// Images × pixels per image.
    let outPixels: Int
    let blockPixels: Int
    /// The share's flattened positions n·outPixels + pixel.
    let positions: Range<Int>

    init(worker: Int, workers: Int, images: Int, outPixels: Int, blockPixels: Int) {
        let total = images * outPixels
        self.outPixels = outPixels
        self.blockPixels = blockPixels
        positions = total * worker / workers..<total * (worker + 1) / workers
    }

    /// Calls `body(n, first, count)` for each block of the share: image n, its pixels
    /// `first ..< first + count`.
    @inline(__always)
    func forEachBlock(_ body: (_ n: Int, _ first: Int, _ count: Int) -> Void) {
        var position = positions.lowerBound
        while position < positions.upperBound {
            let n = position / outPixels, first = position - n * outPixels
            let count = min(blockPixels, positions.upperBound - position, outPixels - first)
            body(n, first, count)
            position += count
        }
    }
}
