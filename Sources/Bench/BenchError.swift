/// Errors of the harness, each a message for the user; the CLI exits non-zero on them.
public struct BenchError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
