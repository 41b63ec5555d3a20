import Foundation

/// Progress on stderr: a self-updating line on a terminal (points done/total, the point being
/// measured, an ETA), one plain line per finished point otherwise (CI logs).
public final class Progress {
    private let isTerminal: Bool
    private let quiet: Bool
    private var total = 0
    private var started = 0.0
    private var finished = 0

    public init(quiet: Bool = false) {
        self.quiet = quiet
        isTerminal = isatty(STDERR_FILENO) == 1
    }

    func begin(total: Int, skipped: Int) {
        self.total = total
        started = now()
        if skipped > 0 { emit("resuming: \(skipped) point\(skipped == 1 ? "" : "s") already measured\n") }
    }

    func start(_ point: BenchPoint, index: Int) {
        guard isTerminal else { return }
        emit("\r\u{1B}[K[\(index + 1)/\(total)] \(eta()) \(point.name)")
    }

    func finish(_ row: ResultRow, index: Int) {
        finished += 1
        let outcome: String
        if row.status == .ok, let median = row.statistics?.median, let gflops = row.gflops {
            outcome = String(
                format: "%.2f GFLOP/s (median %.4g ms, cv %.1f%%, %d samples)",
                gflops, median * 1e3, (row.statistics?.cv ?? 0) * 100, row.statistics?.count ?? 0)
        } else if row.status == .ok, let instructions = row.instructions {
            outcome = "\(instructions) instructions per call"
        } else if row.status == .ok {
            outcome = "ok (\(row.error))"
        } else {
            outcome = "\(row.status.rawValue): \(row.error)"
        }
        emit("\(isTerminal ? "\r\u{1B}[K" : "")[\(index + 1)/\(total)] \(row.point.name): \(outcome)\n")
    }

    func end() {
        if isTerminal { emit("\r\u{1B}[K") }
    }

    private func eta() -> String {
        guard finished > 0 else { return "" }
        let left = (now() - started) / Double(finished) * Double(total - finished)
        return left >= 60
            ? String(format: "ETA %dm%02ds", Int(left) / 60, Int(left) % 60) : String(format: "ETA %ds", Int(left))
    }

    private func emit(_ text: String) {
        guard !quiet else { return }
        FileHandle.standardError.write(Data(text.utf8))
    }
}
