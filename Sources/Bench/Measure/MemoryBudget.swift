import Foundation

/// The default `--max-memory`: half of what this process may really use, the least of the
/// physical memory, the address-space limit (`ulimit -v`) and the cgroup's memory limit (v2
/// `memory.max`, v1 `memory.limit_in_bytes`), so a point that cannot be allocated is skipped
/// instead of aborting the run.
public func defaultMaxMemoryBytes() -> Int {
    var limit = ProcessInfo.processInfo.physicalMemory
    var rl = rlimit()
    if getrlimit(Int32(RLIMIT_AS.rawValue), &rl) == 0, rl.rlim_cur != rlim_t.max {  // rlim_t.max: RLIM_INFINITY
        limit = min(limit, UInt64(rl.rlim_cur))
    }
    for file in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
        if let text = try? String(contentsOfFile: file, encoding: .utf8),
            let value = UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines))
        {
            limit = min(limit, value)
        }
    }
    return Int(min(limit / 2, UInt64(Int.max)))
}
