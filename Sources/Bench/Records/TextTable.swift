import Foundation

/// Rows of cells printed in aligned columns for a terminal (the sweep summary, `verify`,
/// `compare`): each column as wide as its widest cell, two spaces apart, no trailing spaces.
public enum TextTable {
    /// `rightAligned` holds the indices of the columns padded on the left (numbers).
    public static func render(_ lines: [[String]], rightAligned: Set<Int> = []) -> String {
        guard let first = lines.first else { return "" }
        let widths = first.indices.map { c in lines.map { c < $0.count ? $0[c].count : 0 }.max()! }
        return lines.map { line in
            line.enumerated().map { c, cell in
                rightAligned.contains(c)
                    ? String(repeating: " ", count: widths[c] - cell.count) + cell
                    : cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }.joined(separator: "\n") + "\n"
    }
}
