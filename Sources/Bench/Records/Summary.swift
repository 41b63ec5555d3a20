import DeformConv
import Foundation

/// The end-of-sweep table: per shape, the fastest measured point, its GFLOP/s, and its speed-up
/// over `naive` and `tiled` (both at one thread) of the same shape. A backward is a shape of its
/// own (`… bwd`): its times never compete with the forward's.
public enum Summary {
    public static func table(_ rows: [ResultRow]) -> String {
        var shapes: [String] = []
        var byShape: [String: [ResultRow]] = [:]
        for row in rows where row.status == .ok && row.statistics != nil {
            let shape = row.point.shapeName + (row.point.direction == .fwd ? "" : " \(row.point.direction.rawValue)")
            if byShape[shape] == nil { shapes.append(shape) }
            byShape[shape, default: []].append(row)
        }
        var lines = [["shape", "fastest", "GFLOP/s", "x naive", "x tiled"]]
        for shape in shapes {
            let group = byShape[shape]!
            guard let best = group.min(by: { $0.statistics!.median < $1.statistics!.median }) else { continue }
            func speedup(over variant: KernelVariant) -> String {
                let reference = group.filter { $0.point.variant == variant && $0.point.threads == 1 }
                    .map(\.statistics!.median).min()
                return reference.map { String(format: "%.2f", $0 / best.statistics!.median) } ?? "-"
            }
            lines.append([
                shape,
                "\(best.point.variant) t\(best.point.threads) \(best.point.placement)"
                    + (best.point.layout == .nhwc ? " nhwc" : "")
                    + (best.point.weights == .prepared ? " prepared" : ""),
                String(format: "%.2f", best.gflops ?? 0), speedup(over: .naive), speedup(over: .tiled),
            ])
        }
        guard lines.count > 1 else { return "no measured points\n" }
        return TextTable.render(lines, rightAligned: [2, 3, 4])
    }
}
