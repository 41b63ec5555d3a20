/// Summary statistics of one point's samples (seconds per iteration).
///
/// Percentiles interpolate linearly between order statistics (Hyndman–Fan type 7, the default
/// of R and NumPy); the standard deviation is the sample one (n − 1); MAD is the raw median
/// absolute deviation from the median (not scaled by 1.4826); CV = stddev / mean.
public struct Statistics: Equatable, Sendable {
    public var count: Int
    public var min: Double
    public var max: Double
    public var median: Double
    public var mean: Double
    public var p10: Double
    public var p90: Double
    public var stddev: Double
    public var mad: Double
    public var cv: Double

    public init(
        count: Int, min: Double, max: Double, median: Double, mean: Double, p10: Double, p90: Double,
        stddev: Double, mad: Double, cv: Double
    ) {
        self.count = count
        self.min = min
        self.max = max
        self.median = median
        self.mean = mean
        self.p10 = p10
        self.p90 = p90
        self.stddev = stddev
        self.mad = mad
        self.cv = cv
    }

    /// Nil for no samples; every field finite for finite samples.
    public init?(_ samples: [Double]) {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.sorted()
        count = sorted.count
        min = sorted[0]
        max = sorted[sorted.count - 1]
        median = Self.percentile(sorted, 0.5)
        p10 = Self.percentile(sorted, 0.1)
        p90 = Self.percentile(sorted, 0.9)
        mean = sorted.reduce(0, +) / Double(count)
        let mean = mean
        stddev = count > 1 ? (sorted.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(count - 1)).squareRoot() : 0
        let median = median
        mad = Self.percentile(sorted.map { abs($0 - median) }.sorted(), 0.5)
        cv = mean > 0 ? stddev / mean : 0
    }

    /// 1.4826·MAD / median: the coefficient of variation a normal distribution would have,
    /// estimated without letting a few outliers dominate.
    public var robustCV: Double { median > 0 ? 1.4826 * mad / median : 0 }

    /// The q-quantile (0…1) of sorted values, type 7: h = (n − 1)·q, interpolate floor(h)…ceil(h).
    public static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        let h = Double(sorted.count - 1) * q
        let lower = Int(h.rounded(.down)), upper = Swift.min(lower + 1, sorted.count - 1)
        return sorted[lower] + (h - Double(lower)) * (sorted[upper] - sorted[lower])
    }
}
