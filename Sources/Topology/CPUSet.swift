import CHwloc
import Foundation

/// A set of CPUs (hwloc's OS indices of PUs): a value type over `hwloc_bitmap_t`, copied on
/// write and freed with its last copy. Prints in hwloc's list syntax, e.g. `0-3,8`.
public struct CPUSet: Hashable, Sendable, CustomStringConvertible {
    final class Storage: @unchecked Sendable {
        let bitmap: hwloc_bitmap_t
        init(_ bitmap: hwloc_bitmap_t) { self.bitmap = bitmap }
        deinit { hwloc_bitmap_free(bitmap) }
    }

    private var storage: Storage

    /// The empty set.
    public init() { storage = Storage(newBitmap()) }

    /// The set of the given PU indices.
    public init<S: Sequence<Int>>(_ indices: S) {
        self.init()
        for i in indices where i >= 0 { hwloc_bitmap_set(storage.bitmap, UInt32(i)) }
    }

    /// A copy of an hwloc bitmap we do not own.
    init(copying bitmap: hwloc_const_bitmap_t) {
        storage = Storage(hwloc_bitmap_dup(bitmap) ?? newBitmap())
    }

    /// Largest PU index a list may name.
    public static let maxIndex = 1 << 16

    /// Parses hwloc's list syntax: comma-separated indices and ranges, e.g. `0-3,8`.
    public init(list: String) throws {
        self.init()
        let invalid = TopologyError.invalidArgument(
            name: "CPU list '\(list)'", reason: "expected PU indices and ranges like 0-3,8")
        for item in list.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = item.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(bounds.count),
                let low = Int(bounds[0]), let high = Int(bounds[bounds.count - 1]),
                bounds.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
                low <= high, high <= Self.maxIndex
            else { throw invalid }
            for i in low...high { insert(i) }
        }
    }

    var bitmap: hwloc_const_bitmap_t { storage.bitmap }

    private mutating func unique() -> hwloc_bitmap_t {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(hwloc_bitmap_dup(storage.bitmap) ?? newBitmap()) }
        return storage.bitmap
    }

    public mutating func insert(_ index: Int) { hwloc_bitmap_set(unique(), UInt32(index)) }

    public var count: Int { Int(hwloc_bitmap_weight(storage.bitmap)) }
    public var isEmpty: Bool { hwloc_bitmap_iszero(storage.bitmap).asBool }
    public func contains(_ index: Int) -> Bool {
        index >= 0 && hwloc_bitmap_isset(storage.bitmap, UInt32(index)).asBool
    }
    public func isSubset(of other: CPUSet) -> Bool {
        hwloc_bitmap_isincluded(storage.bitmap, other.storage.bitmap).asBool
    }

    /// The indices in increasing order (hwloc_bitmap_foreach, a macro, does not import).
    public var indices: [Int] {
        var result: [Int] = []
        var i = hwloc_bitmap_first(storage.bitmap)
        while i >= 0 {
            result.append(Int(i))
            i = hwloc_bitmap_next(storage.bitmap, i)
        }
        return result
    }

    public var description: String {
        var text: UnsafeMutablePointer<CChar>?
        guard hwloc_bitmap_list_asprintf(&text, storage.bitmap) >= 0, let text else { return "?" }
        defer { free(text) }
        return String(cString: text)
    }

    public static func == (a: CPUSet, b: CPUSet) -> Bool {
        hwloc_bitmap_isequal(a.storage.bitmap, b.storage.bitmap).asBool
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(indices) }
}

/// A new empty hwloc bitmap; hwloc returns nil only when malloc fails.
func newBitmap() -> hwloc_bitmap_t {
    guard let bitmap = hwloc_bitmap_alloc() else { fatalError("hwloc_bitmap_alloc: out of memory") }
    return bitmap
}

extension Int32 {
    var asBool: Bool { self != 0 }
}
