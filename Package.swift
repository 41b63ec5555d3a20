// swift-tools-version:6.2
import PackageDescription

// Kernels are only fast with the host's widest vectors: without a target CPU Swift emits SSE
// and turns `addingProduct` into a call to `fmaf`. Set DCNBENCH_PORTABLE=1 for a build that
// valgrind can run (it cannot execute AVX-512), e.g. for instruction counting.
let portable = Context.environment["DCNBENCH_PORTABLE"] == "1"
let kernelFlags: [SwiftSetting] = portable ? [] : [.unsafeFlags(["-target-cpu", "native"])]
// The same target for the C probe that tells the kernels which register file they were built for;
// DWARF 4 because valgrind 3.19 (Debian 12) cannot read clang's default DWARF 5 and gives up.
let targetCFlags: [CSetting] = [.unsafeFlags(portable ? ["-gdwarf-4"] : ["-march=native", "-gdwarf-4"])]

let package = Package(
    name: "dcnbench",
    products: [
        .library(name: "DeformConv", targets: ["DeformConv"]),
        .library(name: "DeformConvReference", targets: ["DeformConvReference"]),
        .library(name: "Topology", targets: ["Topology"]),
        .executable(name: "dcnbench", targets: ["dcnbench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CHwloc", pkgConfig: "hwloc", providers: [.apt(["libhwloc-dev"])]),
        .target(name: "CTargetFeatures", cSettings: targetCFlags),
        .target(name: "DeformConv", dependencies: ["CTargetFeatures"], exclude: ["README.md"], swiftSettings: kernelFlags),
        .target(name: "DeformConvReference", dependencies: ["DeformConv"], exclude: ["README.md"]),
        .target(name: "Topology", dependencies: ["CHwloc"], exclude: ["README.md"]),
        .target(
            name: "Bench",
            dependencies: ["DeformConv", "DeformConvReference", "Topology", .product(name: "CSV", package: "CSV.swift")],
            exclude: ["README.md"],
            swiftSettings: kernelFlags + (portable ? [] : [.define("DCNBENCH_NATIVE")])
        ),
        .executableTarget(
            name: "dcnbench",
            dependencies: ["Bench", "DeformConv", "Topology", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            exclude: ["README.md"]
        ),
        .testTarget(
            name: "DeformConvTests",
            dependencies: ["DeformConv", "DeformConvReference"],
            exclude: ["Golden"]
        ),
        // What the Bench and command-line tests share (temporary folders, synthetic results,
        // quick timing): a library of test helpers, built only for the tests.
        .target(name: "BenchTestSupport", dependencies: ["Bench", "DeformConv", "DeformConvReference", "Topology"],
                path: "Tests/BenchTestSupport"),
        .testTarget(name: "TopologyTests", dependencies: ["Topology"]),
        .testTarget(name: "BenchTests", dependencies: ["Bench", "BenchTestSupport", "DeformConv", "DeformConvReference", "Topology"]),
        // The executable driven as a user would: the only tests that need it built.
        .testTarget(name: "dcnbenchTests", dependencies: ["Bench", "BenchTestSupport", "DeformConv", "Topology", "dcnbench"]),
    ]
)
