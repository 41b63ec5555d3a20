import Dispatch
import Foundation

/// Ctrl-C (SIGINT) as a request to stop, for as long as the value lives: the signal is ignored
/// by the process and delivered to a dispatch source that sets a flag, which the interleaved
/// rounds poll. `restore()` gives SIGINT its default action back.
final class Interrupt: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    private let source: DispatchSourceSignal

    init() {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [unowned self] in
            lock.lock()
            flag = true
            lock.unlock()
        }
        source.resume()
    }

    var requested: Bool {
        lock.lock()
        defer { lock.unlock() }
        return flag
    }

    func restore() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}
