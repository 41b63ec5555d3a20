import CHwloc
import Glibc

/// Spin, then sleep, until a condition holds; the waker calls `notify` after making it true.
///
/// Spinning first keeps the hand-off between pinned threads in the sub-microsecond range when
/// runs come back to back; sleeping after `spins` rounds keeps an idle pool off the CPUs.
/// Protocol (no lost wake-ups): a sleeper registers under the mutex and re-checks the condition
/// before every wait; the waker publishes the condition, then takes the mutex to see sleepers.
final class WakeSignal: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let cond = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var sleepers = 0

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(cond, nil)
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        cond.deallocate()
        mutex.deallocate()
    }

    func wait(spins: Int, until ready: () -> Bool) {
        for _ in 0..<spins {
            if ready() { return }
            dcn_cpu_relax()
        }
        pthread_mutex_lock(mutex)
        sleepers += 1
        while !ready() { pthread_cond_wait(cond, mutex) }
        sleepers -= 1
        pthread_mutex_unlock(mutex)
    }

    func notify() {
        pthread_mutex_lock(mutex)
        if sleepers > 0 { pthread_cond_broadcast(cond) }
        pthread_mutex_unlock(mutex)
    }
}
