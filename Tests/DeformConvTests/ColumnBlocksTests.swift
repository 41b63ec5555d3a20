import Testing

@testable import DeformConv

/// `dispatch` deals every k-th tile to k workers: with few tiles the cache-sized tile would
/// leave a worker idle (one 256@14² tile for two workers), so the tile is balanced.
@Suite("dispatch's tiles keep every worker busy")
struct ColumnBlocksTests {
    /// The pixels of the busiest worker, dealt every `workers`-th block.
    static func busiest(tile: Int, batch: Int, outPixels: Int, workers: Int) -> Int {
        let perImage = (outPixels + tile - 1) / tile
        var load = [Int](repeating: 0, count: workers)
        for block in 0..<batch * perImage {
            load[block % workers] += min(tile, outPixels - (block % perImage) * tile)
        }
        return load.max()!
    }

    @Test(
        "few tiles: the busiest worker no busier than with the cache-sized tile, within 32 pixels of even on one image",
        arguments: [(196, 1, 2), (784, 1, 2), (3136, 1, 2), (196, 1, 3), (49, 2, 2), (100, 3, 2)])
    func balanced(outPixels: Int, batch: Int, workers: Int) {
        let largest = (outPixels + 31) / 32 * 32
        let tile = ColumnBlocks.balancedTile(
            largest: largest, multiple: 32, batch: batch, outPixels: outPixels, workers: workers)
        #expect(tile % 32 == 0 && tile <= largest && tile >= largest / 4)
        let even = (batch * outPixels + workers - 1) / workers
        let unbalanced = Self.busiest(tile: largest, batch: batch, outPixels: outPixels, workers: workers)
        let load = Self.busiest(tile: tile, batch: batch, outPixels: outPixels, workers: workers)
        #expect(load <= unbalanced)
        if batch == 1 {  // one image: tiles of 32 pixels alone would come within 32 of even
            #expect(load <= even + 32, "tile \(tile): busiest worker \(load) pixels of an even \(even)")
        }
    }

    @Test("one worker, or many blocks per worker: the cache-sized tile stays")
    func unchangedWhenBalanced() {
        #expect(ColumnBlocks.balancedTile(largest: 224, multiple: 32, batch: 1, outPixels: 196, workers: 1) == 224)
        #expect(ColumnBlocks.balancedTile(largest: 96, multiple: 32, batch: 8, outPixels: 3136, workers: 2) == 96)
    }

    @Test("a 256@14² layer has a tile per worker in dispatch")
    func dispatchSplitsASmallImage() throws {
        let g = try DeformConvGeometry(
            batch: 1, inChannels: 256, height: 14, width: 14, outChannels: 256,
            kernel: Extent2(3, 3), padding: Extent2(1), hasMask: true, hasBias: false)
        var options = KernelOptions(cacheBytes: 1 << 20)
        options.dispatchWorkers = 2
        let blocks = ColumnBlocks(geometry: g, options: options, workers: 2)
        #expect(blocks.count >= 2)
        #expect(Self.busiest(tile: blocks.tile, batch: 1, outPixels: 196, workers: 2) <= 98 + 32)
    }
}
