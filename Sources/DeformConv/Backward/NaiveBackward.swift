/// The `naive` backward: the chain rule through the definition, as loops, one thread. For each
/// grad_output element, each input channel of its group and each tap: the sample's cell
/// (``BilinearCell``), then each requested gradient's term, accumulated in Float in loop order.
/// The readable specification the fast design is tested against.
final class NaiveBackward: BackwardKernel {
    var workspaceBytes: Int { 0 }
    private(set) var lastWork = BackwardWork()

    func backward(_ b: BackwardProblem) {
        let p = b.forward
        let g = p.geometry
        b.zeroGradients()
        var work = BackwardWork()
        let spreading = b.needsColumnGradient
        for n in 0..<g.batch {
            for co in 0..<p.outChannels {
                let group = co / p.groupOut
                let weights = p.weightRow(co: co)
                let upstream = b.gradOutput + (n * p.outChannels + co) * p.outPixels
                for oy in 0..<g.outHeight {
                    for ox in 0..<p.outWidth {
                        let pixel = oy * p.outWidth + ox
                        let gradOut = upstream[pixel]
                        if let gradBias = b.gradBias {
                            gradBias[co] += gradOut
                            work.biasTerms += 1
                        }
                        guard spreading || b.gradWeight != nil else { continue }
                        for cl in 0..<p.groupIn {
                            let ci = group * p.groupIn + cl
                            let og = ci / p.offsetGroupChannels
                            let plane = p.inputPlane(n: n, c: ci)
                            for t in 0..<p.taps {
                                let (cell, m) = p.cell(n: n, og: og, t: t, oy: oy, ox: ox)
                                let (v, dvdy, dvdx) = cell.sample(plane)
                                if let gradWeight = b.gradWeight {
                                    gradWeight[co * p.groupIn * p.taps + cl * p.taps + t] += gradOut * (m * v)
                                    work.weightProducts += 1
                                }
                                guard spreading else { continue }
                                // dL/d(m·v) of this sample: the column's gradient.
                                let gradSample = gradOut * weights[cl * p.taps + t]
                                work.columnProducts += 1
                                let point = (n * p.offsetGroups + og) * p.taps + t
                                if let gradInput = b.gradInput {
                                    let target = gradInput + (n * p.inChannels + ci) * p.planeSize
                                    for k in 0..<4 where cell.value[k] != 0 {
                                        target[Int(cell.offsets[k])] += gradSample * (cell.value[k] * m)
                                    }
                                    work.spreadSamples += 1
                                }
                                if let gradMask = b.gradMask {
                                    gradMask[point * p.outPixels + pixel] += gradSample * v
                                    work.maskSamples += 1
                                }
                                if let gradOffset = b.gradOffset {
                                    gradOffset[2 * point * p.outPixels + pixel] += gradSample * m * dvdy
                                    gradOffset[(2 * point + 1) * p.outPixels + pixel] += gradSample * m * dvdx
                                    work.offsetSamples += 1
                                }
                            }
                        }
                    }
                }
            }
        }
        lastWork = work
    }
}
