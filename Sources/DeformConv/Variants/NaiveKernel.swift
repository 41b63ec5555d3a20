/// `naive`: the definition as loops. For each output element, each input channel of its group
/// and each tap, sample and accumulate in Float; the sample is recomputed for every output
/// channel. The readable specification and the baseline the other designs are measured against.
final class NaiveKernel: ForwardKernel {
    var workspaceBytes: Int { 0 }

    func forward(_ p: ConvolutionCall) {
        let g = p.geometry
        for n in 0..<g.batch {
            for co in 0..<p.outChannels {
                let group = co / p.groupOut
                let weights = p.weightRow(co: co)
                let out = p.outputPlane(n: n, co: co)
                for oy in 0..<g.outHeight {
                    for ox in 0..<p.outWidth {
                        var sum = p.bias?[co] ?? 0
                        for cl in 0..<p.groupIn {
                            let ci = group * p.groupIn + cl
                            let og = ci / p.offsetGroupChannels  // offset groups: contiguous channel blocks
                            let plane = p.inputPlane(n: n, c: ci)
                            for t in 0..<p.taps {
                                let tap = p.tap(n: n, og: og, t: t, oy: oy, ox: ox)
                                sum += weights[cl * p.taps + t] * tap.sample(plane)
                            }
                        }
                        out[oy * p.outWidth + ox] = sum
                    }
                }
            }
        }
    }
}
