import Bench
import Foundation

/// Each point's series over commits, with its change points: what `dcnbench history` prints and
/// the dashboard draws.
///
/// A series is one point name under one configuration (`config_id`: build, CPU, PUs, timing
/// and mode), since only runs of one configuration measure the same thing. Its values are the
/// runs' medians of process medians (seconds per call), or for instruction-count runs the
/// instructions of one call: larger is slower for both. Runs are in git order (topological, the
/// commit's first run first) when the store's commits are in the checkout's history, otherwise
/// in date order; runs of commits outside the history asked for are left out and counted.
/// Timed series get `ChangePointDetector`'s change points; instruction counts are all but
/// exact, so a change beyond a small tolerance is one (`ChangePointDetector.countSteps`).
public struct History: Codable, Sendable {
    public enum Order: String, Codable, Sendable {
        /// The order of `git rev-list --topo-order` in the checkout.
        case git
        /// The runs' dates (no git checkout, or `--order date`).
        case date
    }

    /// One run of a point.
    public struct Entry: Codable, Equatable, Sendable {
        public var runID: String
        public var gitCommit: String?
        public var gitDirty: Bool?
        public var date: String
        public var host: String
        public var value: Double
        /// The 95 % interval of the median over processes (runs of 2 or more processes).
        public var low: Double?
        public var high: Double?
        public var processes: Int
    }

    public struct Series: Codable, Equatable, Sendable {
        public var name: String
        public var configID: String
        public var cpuModel: String
        public var mode: String
        /// "s" (seconds per call) or "instructions".
        public var unit: String
        public var entries: [Entry]
        public var changePoints: [ChangePointDetector.ChangePoint]

        /// The newest run sits after a change point that made the point slower by more than
        /// `threshold` (0.02 = 2 %): the last change point of the series, since a later one
        /// would describe the newest runs instead.
        public func regression(threshold: Double) -> ChangePointDetector.ChangePoint? {
            guard let last = changePoints.last, last.change > threshold else { return nil }
            return last
        }
    }

    public var order: Order
    /// Runs not in the commits asked for (`--since`, or not in the checkout's history).
    public var runsLeftOut: Int
    public var series: [Series]

    /// The filters of `dcnbench history`.
    public struct Query: Sendable {
        /// A regular expression a point's name must contain a match of.
        public var point: String?
        /// A substring of the run's host or CPU model.
        public var machine: String?
        /// Only commits after this one (git's `REV..HEAD`).
        public var since: String?
        public var order: Order?
        /// The git checkout whose history orders the commits.
        public var repository: String
        /// Instruction counts: the relative change that is a change point.
        public var countTolerance: Double
        public init(
            point: String? = nil, machine: String? = nil, since: String? = nil, order: Order? = nil,
            repository: String = ".", countTolerance: Double = 0.0025
        ) {
            self.point = point
            self.machine = machine
            self.since = since
            self.order = order
            self.repository = repository
            self.countTolerance = countTolerance
        }
    }

    public init(store: any ResultsStore, query: Query, detector: ChangePointDetector) throws {
        let pattern: NSRegularExpression?
        do { pattern = try query.point.map { try NSRegularExpression(pattern: $0) } } catch {
            throw BenchError("--point '\(query.point ?? "")' is not a regular expression: \(error.localizedDescription)")
        }
        let commits = try Self.commitOrder(query)
        order = commits == nil ? .date : .git
        let rows = try store.historyRows()
        var leftOut = Set<String>()
        var grouped: [String: Series] = [:]
        var positions: [String: (Int, String)] = [:]
        for row in rows {
            let name = row.name
            if let pattern, pattern.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) == nil { continue }
            if let machine = query.machine, !row.host.contains(machine), !row.cpuModel.contains(machine) { continue }
            let position: Int
            if let commits {
                guard let commit = row.gitCommit, let index = commits[commit] else {
                    leftOut.insert(row.runID)
                    continue
                }
                position = index
            } else {
                position = 0
            }
            let counted = row.mode == RunMode.instructionCount.rawValue
            guard let value = counted ? row.instructions.map(Double.init) : row.medianS else { continue }
            let key = "\(name)|\(row.configID)"
            grouped[key, default: Series(
                name: name, configID: row.configID, cpuModel: row.cpuModel, mode: row.mode,
                unit: counted ? "instructions" : "s", entries: [], changePoints: [])].entries.append(
                    Entry(
                        runID: row.runID, gitCommit: row.gitCommit, gitDirty: row.gitDirty, date: row.date,
                        host: row.host, value: value, low: counted ? nil : row.medianLowS,
                        high: counted ? nil : row.medianHighS, processes: row.processes))
            positions[row.runID] = (position, row.date)
        }
        runsLeftOut = leftOut.count
        series = grouped.values.map { s in
            var s = s
            s.entries.sort { a, b in
                let (pa, pb) = (positions[a.runID]!, positions[b.runID]!)
                return pa.0 != pb.0 ? pa.0 < pb.0 : (pa.1, a.runID) < (pb.1, b.runID)
            }
            let values = s.entries.map(\.value)
            s.changePoints =
                s.unit == "instructions"
                ? ChangePointDetector.countSteps(values, tolerance: query.countTolerance) : detector.detect(values)
            return s
        }.sorted { ($0.name, $0.cpuModel, $0.configID) < ($1.name, $1.cpuModel, $1.configID) }
    }

    /// Each commit's position in the checkout's history (oldest first), or nil for date order.
    static func commitOrder(_ query: Query) throws -> [String: Int]? {
        if query.order == .date {
            guard query.since == nil else { throw BenchError("--since needs git order; drop --order date") }
            return nil
        }
        let range = query.since.map { "\($0)..HEAD" } ?? "HEAD"
        let run = try? Subprocess.run(
            "/usr/bin/env", ["git", "-C", query.repository, "rev-list", "--topo-order", "--reverse", range])
        guard let run, run.status == 0 else {
            if query.order == .git || query.since != nil {
                throw BenchError(
                    "git order: `git rev-list \(range)` failed in \(query.repository)\(query.since.map { " (is \($0) a commit?)" } ?? ""); run history inside the checkout, give --repository DIR, or --order date"
                )
            }
            return nil
        }
        var order: [String: Int] = [:]
        for (index, line) in run.output.split(separator: "\n").enumerated() { order[String(line)] = index }
        return order
    }
}
