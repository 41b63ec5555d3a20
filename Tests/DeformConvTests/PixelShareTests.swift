import Testing

@testable import DeformConv

@Suite("PixelShare: the workers' shares of the output pixels")
struct PixelShareTests {
    @Test("every pixel once, shares within one pixel of each other, blocks inside an image")
    func partition() {
        for (images, outPixels, blockPixels, workers) in [
            (1, 784, 102, 2), (8, 3136, 198, 2), (1, 1, 6, 3), (2, 1, 6, 3), (3, 25, 6, 4), (1, 196, 204, 2),
            (5, 7, 3, 16),
        ] {
            var seen = [Int](repeating: 0, count: images * outPixels)
            var sizes: [Int] = []
            for worker in 0..<workers {
                var size = 0
                PixelShare(
                    worker: worker, workers: workers, images: images, outPixels: outPixels, blockPixels: blockPixels
                ).forEachBlock { n, first, count in
                    #expect(count >= 1 && count <= blockPixels && first + count <= outPixels && n < images)
                    for q in first..<first + count { seen[n * outPixels + q] += 1 }
                    size += count
                }
                sizes.append(size)
            }
            let label = "\(images)×\(outPixels) in blocks of \(blockPixels) over \(workers)"
            #expect(seen.allSatisfy { $0 == 1 }, "\(label): a pixel missed or taken twice")
            #expect(sizes.max()! - sizes.min()! <= 1, "\(label): shares \(sizes)")
        }
    }
}
