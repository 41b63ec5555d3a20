import DeformConv
import Testing

@Suite("blockedGather, tiled and dispatch build each sampling-plan entry once")
struct PlanReuseTests {
    @Test(
        "plan entries built = N·OG·kh·kw·H_out·W_out, whatever the channels, blocks and workers",
        arguments: [1, 4, 16])
    func planBuiltOncePerSamplingPoint(channelsPerOffsetGroup: Int) throws {
        let g = try DeformConvGeometry(
            batch: 2, inChannels: 2 * channelsPerOffsetGroup, height: 13, width: 11, outChannels: 8,
            kernel: Extent2(3, 3), padding: Extent2(1), offsetGroups: 2, hasMask: true, hasBias: true)
        let p = try Problem(g, seed: 42)
        for options in [
            KernelOptions(),
            KernelOptions(cacheBytes: KernelOptions.minCacheBytes),
            KernelOptions(
                cacheBytes: KernelOptions.minCacheBytes,
                executor: ConcurrentTestExecutor(workerCount: 3)),
        ] {
            for variant in [KernelVariant.blockedGather, .tiled, .dispatch] {
                var options = options
                options.dispatchWorkers = 3
                let op = try DeformConvolution(geometry: g, variant: variant, options: options)
                #expect(op.lastPlanEntriesBuilt == nil)
                for _ in 0..<2 {  // counted per call, not accumulated across calls
                    _ = try op.forward(input: p.input, offset: p.offset, mask: p.mask, weight: p.weight, bias: p.bias)
                    // A plan rebuilt per channel (or per group) would count channelsPerOffsetGroup
                    // times as many.
                    #expect(op.lastPlanEntriesBuilt == g.samplingPoints, "\(variant)")
                    #expect(g.samplingPoints == 2 * 2 * 9 * 13 * 11)
                }
            }
        }
        let naive = try DeformConvolution(geometry: g, variant: .naive)
        _ = try naive.forward(input: p.input, offset: p.offset, mask: p.mask, weight: p.weight, bias: p.bias)
        #expect(naive.lastPlanEntriesBuilt == nil, "naive has no plan")
    }

    @Test("workspace is bounded by the block, not by N·H_out·W_out (layout conversions apart)")
    func workspaceBounded() throws {
        func workspace(
            _ variant: KernelVariant, batch: Int, size: Int
        ) throws -> (blocks: Int, shared: Int, tensors: Int) {
            let g = try DeformConvGeometry(
                batch: batch, inChannels: 16, height: size, width: size, outChannels: 16,
                kernel: Extent2(3, 3), padding: Extent2(1), hasMask: true, hasBias: false)
            let op = try DeformConvolution(
                geometry: g, variant: variant, options: KernelOptions(cacheBytes: 256 << 10))
            return (
                op.workspaceBytes - op.sharedWorkspaceBytes, op.sharedWorkspaceBytes,
                g.bytes(of: "input") + 144 * 32 * 4
            )  // input + weights: 144 rows of 32 packed output channels
        }
        for variant in [KernelVariant.tiled, .blockedGather] {
            let small = try workspace(variant, batch: 1, size: 64)
            let large = try workspace(variant, batch: 8, size: 256)
            #expect(small.blocks == large.blocks, "\(variant): \(small.blocks) vs \(large.blocks) bytes")
            #expect(large.blocks <= 256 << 10, "\(variant): \(large.blocks) bytes for a 256 KiB cache budget")
            if variant == .blockedGather {
                // The NHWC copy of the input and the packed weights: exactly those tensors' size.
                #expect(large.shared == large.tensors && small.shared == small.tensors)
            } else {
                #expect(large.shared == 0)
            }
        }
        #expect(try workspace(.naive, batch: 1, size: 8).blocks == 0)
    }
}
