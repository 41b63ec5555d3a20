/// One count per worker, a cache line apart, so workers each writing their own never share a
/// line; read as a total once the run is over (the plan entries a call built). Free with
/// `deallocate()`.
struct WorkerCounts {
    /// Ints per 64-byte line.
    private static let stride = 8
    private let storage: UnsafeMutablePointer<Int>
    private let workers: Int

    init(workers: Int) {
        self.workers = workers
        storage = .allocate(capacity: workers * Self.stride)
        storage.initialize(repeating: 0, count: workers * Self.stride)
    }

    func set(_ worker: Int, _ count: Int) { storage[worker * Self.stride] = count }

    var total: Int { (0..<workers).reduce(0) { $0 + storage[$1 * Self.stride] } }

    func deallocate() { storage.deallocate() }
}
