import ArgumentParser
import Bench
import DeformConv
import Topology

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the kernel variants and presets, or the points a sweep would measure.",
        discussion: """
            Without sweep options: variants and presets with their point counts. With --preset, \
            --sweep-file or any axis option: the names of the points, one per line.

            Examples:
              dcnbench list
              dcnbench list --preset default
              dcnbench list --preset sizes --filter blockedGather
              dcnbench list --sweep-file sweeps/peers.json --filter '^blockedGather/' --json
            """
    )

    @OptionGroup var selection: SweepSelection
    @Flag(
        help:
            "The points as JSON: each one's fields (the results file's column names), shape, design, FLOPs and output size, and the results file's columns."
    )
    var json = false

    func run() throws {
        let topology = try MachineTopology.shared()
        let cores = topology.corePUs.count, pus = topology.pus.count
        if selection.isEmpty && !json {
            print("Variants:")
            for v in KernelVariant.allCases {
                print("  \(v.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0))\(v.summary)")
            }
            print("Presets (points on this machine: \(cores) cores, \(pus) PUs):")
            for p in Preset.allCases {
                let count = p.sweep(cores: cores, pus: pus).points.count
                print(
                    "  \(p.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0))\(String(count).leftPad(4)) points  \(p.summary)"
                )
            }
            return
        }
        let points = try selection.points(cores: cores, pus: pus).points
        if json {
            print(String(decoding: try PointListing(points).json(), as: UTF8.self))
        } else {
            for point in points { print(point.name) }
        }
    }
}

extension String {
    func leftPad(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
