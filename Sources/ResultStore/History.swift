import Bench
import Foundation
import GRDB

/// Each point's series over commits, with its change points: what `dcnbench history` prints and
/// the dashboard draws.
///
/// A series is one point name under one configuration (`config_id`: build, CPU, PUs, timing
/// and mode), since only runs of one configuration measure the same thing. Its values are the
/// runs' medians of process medians (seconds per call), or for instruction-count runs the
/// instructions of one call: larger is slower for both. Runs are in git order (topological, the
/// commit's first run first) when the store's commits are in the checkout's history, otherwise
/// in date order; runs of commits outside the history asked for are left out and counted.
/// Timed series get `ChangePointDetector`'s change points; instruction counts are exact, so
/// every change in them is one (`ChangePointDetector.exactSteps`).
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
        public init(point: String? = nil, machine: String? = nil, since: String? = nil, order: Order? = nil, repository: String = ".") {
            self.point = point
            self.machine = machine
            self.since = since
            self.order = order
            self.repository = repository
        }
    }

    public init(store: Store, query: Query, detector: ChangePointDetector) throws {
        let pattern: NSRegularExpression?
        do { pattern = try query.point.map { try NSRegularExpression(pattern: $0) } } catch {
            throw BenchError("--point '\(query.point ?? "")' is not a regular expression: \(error.localizedDescription)")
        }
        let commits = try Self.commitOrder(query)
        order = commits == nil ? .date : .git
        let rows = try store.database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT p.name, p.median_s, p.median_low_s, p.median_high_s, p.processes, p.instructions,
                      r.id, r.git_commit, r.git_dirty, r.date, r.host, r.cpu_model, r.config_id, r.mode
                    FROM point p JOIN run r ON r.id = p.run_id WHERE p.status = 'ok'
                    """)
        }
        var leftOut = Set<String>()
        var grouped: [String: Series] = [:]
        var positions: [String: (Int, String)] = [:]
        for row in rows {
            let name: String = row["name"]
            if let pattern, pattern.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) == nil { continue }
            let host: String = row["host"], cpu: String = row["cpu_model"]
            if let machine = query.machine, !host.contains(machine), !cpu.contains(machine) { continue }
            let runID: String = row["id"], commit: String? = row["git_commit"], date: String = row["date"]
            let position: Int
            if let commits {
                guard let commit, let index = commits[commit] else {
                    leftOut.insert(runID)
                    continue
                }
                position = index
            } else {
                position = 0
            }
            let mode: String = row["mode"]
            let counted = mode == RunMode.instructionCount.rawValue
            let value: Double? = counted ? (row["instructions"] as Int?).map(Double.init) : row["median_s"]
            guard let value else { continue }
            let configID: String = row["config_id"]
            let key = "\(name)|\(configID)"
            grouped[key, default: Series(
                name: name, configID: configID, cpuModel: cpu, mode: mode, unit: counted ? "instructions" : "s",
                entries: [], changePoints: [])].entries.append(
                    Entry(
                        runID: runID, gitCommit: commit, gitDirty: row["git_dirty"], date: date, host: host,
                        value: value, low: counted ? nil : row["median_low_s"], high: counted ? nil : row["median_high_s"],
                        processes: row["processes"]))
            positions[runID] = (position, date)
        }
        runsLeftOut = leftOut.count
        series = grouped.values.map { s in
            var s = s
            s.entries.sort { a, b in
                let (pa, pb) = (positions[a.runID]!, positions[b.runID]!)
                return pa.0 != pb.0 ? pa.0 < pb.0 : (pa.1, a.runID) < (pb.1, b.runID)
            }
            let values = s.entries.map(\.value)
            s.changePoints = s.unit == "instructions" ? ChangePointDetector.exactSteps(values) : detector.detect(values)
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
