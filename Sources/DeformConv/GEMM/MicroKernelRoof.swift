extension MicroKernelTile {
    /// The block of `gemmRoof`: a 64→64 3×3 layer's, as `blockedGather` multiplies it, A and B
    /// together within a 512 KiB L2.
    static let roofPixels = 96, roofDepth = 64 * 9, roofWidth = 64

    /// FLOPs of one block of `gemmRoof`.
    public var gemmRoofFLOPs: Double { 2 * Double(Self.roofPixels * Self.roofDepth * Self.roofWidth) }

    /// `blockedGather`'s GEMM alone (`PackedPanelGEMM` with this tile), `blocks` times over one
    /// block of deformable columns and one group's packed panels, both resident in L2: the
    /// GEMM's ceiling on this core with no gather, packing or memory traffic around it
    /// (`dcnbench probe`'s GEMM roof). Returns an element of the tile, so the work is kept.
    public func gemmRoof(blocks: Int) -> Float {
        switch self {
        case .tile8x32: Self.roof(MicroKernel8x32.self, blocks: blocks)
        case .tile6x16: Self.roof(MicroKernel6x16.self, blocks: blocks)
        }
    }

    private static func roof<Kernel: MicroKernel>(_: Kernel.Type, blocks: Int) -> Float {
        let a = UnsafeMutablePointer<Float>.allocate(capacity: roofPixels * roofDepth)
        let b = UnsafeMutablePointer<Float>.allocate(capacity: roofDepth * roofWidth)
        let tile = UnsafeMutablePointer<Float>.allocate(capacity: roofPixels * roofWidth)
        defer { a.deallocate(); b.deallocate(); tile.deallocate() }
        // Products of 1e-3: far from subnormals, and the tile is rewritten by every block.
        a.initialize(repeating: 1e-3, count: roofPixels * roofDepth)
        b.initialize(repeating: 1e-3, count: roofDepth * roofWidth)
        tile.initialize(repeating: 0, count: roofPixels * roofWidth)
        for _ in 0..<blocks {
            PackedPanelGEMM.multiply(
                Kernel.self, pixels: roofPixels, depth: roofDepth, width: roofWidth,
                a: a, lda: roofDepth, panels: b, tile: tile)
        }
        return tile[0]
    }
}
