import Dispatch
import Foundation

/// A request to stop, for as long as the value lives: Ctrl-C (SIGINT), SIGTERM (Slurm's time
/// limit, `scancel`, `kill`) and SIGHUP (a dropped SSH session) are ignored by the process and
/// delivered to dispatch sources that set a flag, which the interleaved rounds poll, so that
/// the rows are written with the samples taken. `restore()` gives the signals their default
/// action back.
final class Interrupt: @unchecked Sendable {
    static let signals = [SIGINT, SIGTERM, SIGHUP]
    private let lock = NSLock()
    private var flag = false
    private var sources: [DispatchSourceSignal] = []

    init() {
        for number in Self.signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [unowned self] in
                lock.lock()
                flag = true
                lock.unlock()
            }
            source.resume()
            sources.append(source)
        }
    }

    var requested: Bool {
        lock.lock()
        defer { lock.unlock() }
        return flag
    }

    func restore() {
        for source in sources { source.cancel() }
        for number in Self.signals { signal(number, SIG_DFL) }
    }
}
