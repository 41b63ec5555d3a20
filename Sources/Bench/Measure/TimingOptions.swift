import Foundation

/// What a sweep does with each point.
public enum RunMode: String, Codable, Sendable {
    /// Warm-up, then samples, point after point.
    case timed
    /// The samples of all points taken round by round in a random order (see `SweepRunner`).
    case interleaved
    /// Each point run once and checked; no timing.
    case dryRun
    /// The instructions of one call of each single-thread point, counted under valgrind
    /// (needs a portable build); each point checked first, untimed.
    case instructionCount
}

/// How long and how often each point is timed, and the run's mode.
public struct TimingOptions: Codable, Equatable, Sendable {
    /// A sample lasts at least this long: iterations per sample are calibrated to it.
    public var minSampleSeconds = 0.02
    /// Samples per point (fewer only if `maxSecondsPerPoint` runs out first).
    public var samples = 10
    /// Untimed calls for at least this long before calibrating.
    public var warmupSeconds = 0.1
    /// Stop sampling a point after this long (at least one sample is always taken).
    public var maxSecondsPerPoint = 30.0
    /// What the sweep does with each point.
    public var mode = RunMode.timed
    /// Measure the FMA peak and triad bandwidth at the start (context, `pct_peak`).
    public var probes = true
    /// Steps of the reference kernel timed before each sample (see `ReferenceKernel`).
    public var referenceSteps = ReferenceKernel.steps

    public init() {}

    private enum CodingKeys: String, CodingKey {
        case minSampleSeconds, samples, warmupSeconds, maxSecondsPerPoint, mode, probes, referenceSteps
        // Contexts written before `mode`: one flag each.
        case interleave, dryRun, instructions
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        minSampleSeconds = try c.decode(Double.self, forKey: .minSampleSeconds)
        samples = try c.decode(Int.self, forKey: .samples)
        warmupSeconds = try c.decode(Double.self, forKey: .warmupSeconds)
        maxSecondsPerPoint = try c.decode(Double.self, forKey: .maxSecondsPerPoint)
        probes = try c.decode(Bool.self, forKey: .probes)
        referenceSteps = try c.decode(Int.self, forKey: .referenceSteps)
        if let mode = try c.decodeIfPresent(RunMode.self, forKey: .mode) {
            self.mode = mode
        } else {
            func flag(_ key: CodingKeys) throws -> Bool { try c.decodeIfPresent(Bool.self, forKey: key) ?? false }
            // The precedence the flags had: instructions, then a dry run, then interleaving.
            mode =
                try flag(.instructions)
                ? .instructionCount : try flag(.dryRun) ? .dryRun : try flag(.interleave) ? .interleaved : .timed
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(minSampleSeconds, forKey: .minSampleSeconds)
        try c.encode(samples, forKey: .samples)
        try c.encode(warmupSeconds, forKey: .warmupSeconds)
        try c.encode(maxSecondsPerPoint, forKey: .maxSecondsPerPoint)
        try c.encode(mode, forKey: .mode)
        try c.encode(probes, forKey: .probes)
        try c.encode(referenceSteps, forKey: .referenceSteps)
    }

    func validate() throws {
        // Upper bounds so that a typo cannot hang a run or trap a conversion (1e300 seconds of
        // warm-up; an iteration count past Int.max): an hour per sample or warm-up, a day per point.
        guard minSampleSeconds > 0, minSampleSeconds <= 3600 else {
            throw BenchError("--min-sample-time must be in (0, 3600] seconds")
        }
        guard samples >= 1, samples <= 1_000_000 else { throw BenchError("--samples must be from 1 to 1000000") }
        guard warmupSeconds >= 0, warmupSeconds <= 3600 else {
            throw BenchError("--warmup must be in [0, 3600] seconds")
        }
        guard maxSecondsPerPoint > 0, maxSecondsPerPoint <= 86400 else {
            throw BenchError("--max-time-per-point must be in (0, 86400] seconds")
        }
    }
}
