import Foundation

/// How long and how often each point is timed.
public struct TimingOptions: Codable, Equatable, Sendable {
    /// A sample lasts at least this long: iterations per sample are calibrated to it.
    public var minSampleSeconds = 0.02
    /// Samples per point (fewer only if `maxSecondsPerPoint` runs out first).
    public var samples = 10
    /// Untimed calls for at least this long before calibrating.
    public var warmupSeconds = 0.1
    /// Stop sampling a point after this long (at least one sample is always taken).
    public var maxSecondsPerPoint = 30.0
    /// Take the samples of all points round by round in a random order (see `SweepRunner`).
    public var interleave = false
    /// Run each point once and check it; no timing.
    public var dryRun = false
    /// Measure the FMA peak and triad bandwidth at the start (context, `pct_peak`).
    public var probes = true
    /// Steps of the reference kernel timed before each sample (see `ReferenceKernel`).
    public var referenceSteps = ReferenceKernel.steps
    /// Count the instructions of one call of each single-thread point under valgrind instead
    /// of timing (needs a portable build).
    public var instructions = false

    public init() {}

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
