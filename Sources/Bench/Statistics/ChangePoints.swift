import DeformConvReference

/// Change points in a series of measurements in commit order: E-divisive means (Matteson and
/// James, "A nonparametric approach for multiple change point analysis of multivariate data",
/// JASA 2014), the method asv's step detection and Apache Otava (formerly Hunter) build on.
///
/// The divergence of a split of x[a..<b] at τ (left L = x[a..<τ], m values; right R = x[τ..<κ],
/// n values, κ ≤ b) is the energy statistic with exponent 1,
///
///     Q(τ) = m·n/(m + n) · ( 2/(m·n) Σ|l − r| − Σ_{i<k}|l_i − l_k| / C(m,2) − Σ_{j<k}|r_j − r_k| / C(n,2) ),
///
/// large when the two sides come from different distributions (location or shape), near 0 when
/// they are exchangeable; a split's Q is its best over κ. Bisection: the segment whose best split has the largest Q is split
/// there if that Q is significant, then the search goes on in the pieces; it stops at the first
/// split that is not.
///
/// Significance is a permutation test, as in the paper: the segment's values are shuffled R
/// times, each time the best Q over all τ and κ recomputed, p = (1 + #{Q_perm ≥ Q}) / (R + 1). Exact
/// for any noise whose values are exchangeable: also for bimodal noise (whole processes fast or
/// slow, as OpenVINO's are), where a t-test on the split's means is not. The shuffles come from
/// a seed, so the same series always gives the same change points.
///
/// Segments have at least `minSegment` values (2 is the least for which Q is defined): a step in
/// the last `minSegment − 1` runs is not yet seen.
public struct ChangePointDetector: Sendable {
    /// A split is accepted when p ≤ `significance`.
    public var significance: Double
    public var permutations: Int
    public var minSegment: Int
    public var seed: UInt64

    public init(significance: Double = 0.001, permutations: Int = 999, minSegment: Int = 3, seed: UInt64 = 1) {
        self.significance = significance
        self.permutations = permutations
        self.minSegment = max(2, minSegment)
        self.seed = seed
    }

    /// A change point: the series changes from `index` on.
    public struct ChangePoint: Equatable, Sendable, Codable {
        /// The first value after the change.
        public var index: Int
        /// The permutation test's p-value of the split when it was accepted.
        public var pValue: Double
        /// Medians of the segments before and after (between the neighbouring change points).
        public var before: Double
        public var after: Double
        /// after / before − 1: positive for a series of times or counts that got larger (slower).
        public var change: Double { before > 0 ? after / before - 1 : 0 }
    }

    /// The change points of `values`, in index order.
    public func detect(_ values: [Double]) -> [ChangePoint] {
        let n = values.count
        guard n >= 2 * minSegment else { return [] }
        // Absolute differences once; permutations index into them.
        var distance = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { distance[i * n + j] = abs(values[i] - values[j]) } }
        var random = SeededGenerator(seed: seed)
        var cuts: [Int] = []
        var pValues: [Int: Double] = [:]
        var segments = [0..<n]
        while true {
            var best: (segment: Int, split: Int, q: Double)?
            for (s, segment) in segments.enumerated() {
                let order = Array(segment)
                if let split = bestSplit(order, distance, n), split.q > (best?.q ?? 0) {
                    best = (s, segment.lowerBound + split.at, split.q)
                }
            }
            guard let best else { break }
            let segment = segments[best.segment]
            var order = Array(segment)
            var exceed = 0
            for _ in 0..<permutations {
                order.shuffle(using: &random)
                if let shuffled = bestSplit(order, distance, n), shuffled.q >= best.q { exceed += 1 }
                // p can only grow from here: once it is past the significance the split is
                // rejected, whatever the remaining shuffles give (most of the work in a long
                // series with no change).
                if Double(1 + exceed) / Double(permutations + 1) > significance { break }
            }
            let p = Double(1 + exceed) / Double(permutations + 1)
            guard p <= significance else { break }
            cuts.append(best.split)
            pValues[best.split] = p
            segments.replaceSubrange(
                best.segment...best.segment, with: [segment.lowerBound..<best.split, best.split..<segment.upperBound])
        }
        return Self.changePoints(values, at: cuts.sorted(), pValues: pValues)
    }

    /// The change points of a series of counts, such as instructions per call: the same build
    /// and input give the same count to within a few hundredths of a percent (what the process's
    /// environment and allocator add), so a run more than `tolerance` (relative) away from the
    /// median of its segment so far starts a new segment, p = 0. A permutation test would need
    /// many runs after a step to say what is plain from the first: 3 changed runs among 12 sit
    /// together by chance 1 time in 22.
    public static func countSteps(_ values: [Double], tolerance: Double) -> [ChangePoint] {
        var cuts: [Int] = []
        var start = 0
        for i in values.indices.dropFirst() {
            let level = median(values[start..<i])
            if abs(values[i] - level) > tolerance * abs(level) {
                cuts.append(i)
                start = i
            }
        }
        return changePoints(values, at: cuts, pValues: Dictionary(uniqueKeysWithValues: cuts.map { ($0, 0) }))
    }

    private static func changePoints(_ values: [Double], at cuts: [Int], pValues: [Int: Double]) -> [ChangePoint] {
        let bounds = [0] + cuts + [values.count]
        return cuts.enumerated().map { k, cut in
            ChangePoint(
                index: cut, pValue: pValues[cut]!,
                before: median(values[bounds[k]..<cut]), after: median(values[cut..<bounds[k + 2]]))
        }
    }

    /// The split of the values at `order` (indices into the series) with the largest Q, its
    /// position counted from the start of `order`; nil when the segment is too short. As in the
    /// paper, the right side may stop short of the segment's end (at κ): a change that is undone
    /// later (a regression and its fix) stands out against the values between the two, where
    /// against the whole rest of the segment it would be diluted.
    ///
    /// O(len²): with each row of distances summed cumulatively along `order` once, each of the
    /// three sums changes by one such prefix sum when κ or τ moves by one.
    func bestSplit(_ order: [Int], _ distance: [Double], _ n: Int) -> (at: Int, q: Double)? {
        let len = order.count
        guard len >= 2 * minSegment else { return nil }
        // prefix[k·(len + 1) + j] = Σ_{i<j} |x_order[k] − x_order[i]|
        var prefix = [Double](repeating: 0, count: len * (len + 1))
        return prefix.withUnsafeMutableBufferPointer { prefix in
            distance.withUnsafeBufferPointer { d in
                for k in 0..<len {
                    let row = order[k] * n, out = k * (len + 1)
                    var sum = 0.0
                    for j in 0..<len {
                        prefix[out + j] = sum
                        sum += d[row + order[j]]
                    }
                    prefix[out + len] = sum
                }
                func p(_ k: Int, _ j: Int) -> Double { prefix[k * (len + 1) + j] }
                var best: (at: Int, q: Double)?
                var withinLeft = 0.0  // Σ over pairs in order[0..<τ]
                for tau in 1...(len - minSegment) {
                    withinLeft += p(tau - 1, tau - 1)
                    guard tau >= minSegment else { continue }
                    let m = Double(tau)
                    var withinRight = 0.0, between = 0.0
                    for kappa in (tau + 1)...len {
                        // order[κ − 1] joins the right side.
                        let k = kappa - 1
                        withinRight += p(k, k) - p(k, tau)
                        between += p(k, tau)
                        let r = Double(kappa - tau)
                        guard kappa - tau >= minSegment else { continue }
                        let energy = 2 * between / (m * r) - withinLeft / (m * (m - 1) / 2) - withinRight / (r * (r - 1) / 2)
                        let q = m * r / (m + r) * energy
                        if q > (best?.q ?? -.infinity) { best = (tau, q) }
                    }
                }
                return best
            }
        }
    }

    static func median(_ values: ArraySlice<Double>) -> Double {
        Statistics.percentile(values.sorted(), 0.5)
    }
}
