// swift-tools-version:6.2
import PackageDescription

// Kernels are only fast with wide vectors: without a target CPU Swift emits SSE and turns
// `addingProduct` into a call to `fmaf`. DCNBENCH_TARGET_CPU names the target: `native` (the
// default, this machine's CPU), `x86-64-v3` (AVX2 and FMA: every x86 machine of the last decade),
// `x86-64-v4` (AVX-512), or a CPU name LLVM knows (znver4). A cluster mixing CPU generations
// needs one build per target (scripts/slurm/submit.sh); dcnbench refuses to start on a CPU that
// lacks a feature its build uses. DCNBENCH_PORTABLE=1 builds for no particular CPU, for
// valgrind (which cannot execute AVX-512), e.g. for instruction counting.
let portable = Context.environment["DCNBENCH_PORTABLE"] == "1"
let targetCPU = Context.environment["DCNBENCH_TARGET_CPU"] ?? "native"
// Swift's -target-cpu takes CPU names, not the psABI levels clang's -march takes: a CPU of each
// level with no feature beyond what AMD's and Intel's CPUs of that level share.
let swiftCPU = ["x86-64-v3": "haswell", "x86-64-v4": "skylake-avx512"][targetCPU] ?? targetCPU
let kernelFlags: [SwiftSetting] = portable ? [] : [.unsafeFlags(["-target-cpu", swiftCPU])]
// The same target for the C probe that tells the kernels which register file they were built for
// and which features the build needs; DWARF 4 because valgrind 3.19 (Debian 12) cannot read
// clang's default DWARF 5 and gives up.
let targetCFlags: [CSetting] = [
    .unsafeFlags(portable ? ["-gdwarf-4"] : ["-march=\(targetCPU)", "-gdwarf-4"]),
    .define("DCN_TARGET_CPU", to: "\"\(portable ? "portable" : targetCPU)\""),
]

let package = Package(
    name: "dcnbench",
    products: [
        .library(name: "DeformConv", targets: ["DeformConv"]),
        .library(name: "DeformConvReference", targets: ["DeformConvReference"]),
        .library(name: "Topology", targets: ["Topology"]),
        .library(name: "ResultStore", targets: ["ResultStore"]),
        .library(name: "StoreCommands", targets: ["StoreCommands"]),
        .executable(name: "dcnbench", targets: ["dcnbench"]),
    ],
    dependencies: [
        // Exact versions: the numbers a build publishes come from known dependencies (no
        // Package.resolved is committed; see the README).
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/yaslab/CSV.swift", exact: "2.5.2"),
        // The results store's SQLite (Debian's libsqlite3-dev).
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
    ],
    targets: [
        .systemLibrary(name: "CHwloc", pkgConfig: "hwloc", providers: [.apt(["libhwloc-dev"])]),
        // Portable whatever the target (it must run on any CPU); DWARF 4 for valgrind, as above.
        .target(name: "CCPUID", cSettings: [.unsafeFlags(["-gdwarf-4"])]),
        .target(name: "CTargetFeatures", dependencies: ["CCPUID"], cSettings: targetCFlags),
        .target(
            name: "DeformConv", dependencies: ["CTargetFeatures"], exclude: ["README.md"], swiftSettings: kernelFlags),
        .target(name: "DeformConvReference", dependencies: ["DeformConv"], exclude: ["README.md"]),
        .target(name: "Topology", dependencies: ["CHwloc", "CCPUID"], exclude: ["README.md"]),
        .target(
            name: "Bench",
            dependencies: [
                "DeformConv", "DeformConvReference", "Topology", "CTargetFeatures",
                .product(name: "CSV", package: "CSV.swift"),
            ],
            exclude: ["README.md"],
            swiftSettings: kernelFlags + (portable ? [] : [.define("DCNBENCH_NATIVE")])
        ),
        // Every run remembered: the store, history with change points, the dashboard.
        .target(
            name: "ResultStore",
            dependencies: ["Bench", "Topology", .product(name: "GRDB", package: "GRDB.swift")],
            exclude: ["README.md"]
        ),
        // The store's commands, shared by dcnbench and the PostgreSQL build (Extensions/PostgresStore).
        .target(
            name: "StoreCommands",
            dependencies: [
                "Bench", "ResultStore", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "dcnbench",
            dependencies: [
                "Bench", "DeformConv", "Topology", "CTargetFeatures", "ResultStore", "StoreCommands",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            exclude: ["README.md"]
        ),
        .testTarget(
            name: "DeformConvTests",
            dependencies: ["DeformConv", "DeformConvReference"],
            exclude: ["Golden"]
        ),
        // What the Bench and command-line tests share (temporary folders, synthetic results,
        // quick timing): a library of test helpers, built only for the tests.
        .target(
            name: "BenchTestSupport", dependencies: ["Bench", "DeformConv", "DeformConvReference", "Topology"],
            path: "Tests/BenchTestSupport"),
        .testTarget(name: "TopologyTests", dependencies: ["Topology"]),
        .testTarget(
            name: "BenchTests",
            dependencies: ["Bench", "BenchTestSupport", "DeformConv", "DeformConvReference", "Topology"]),
        // The executable driven as a user would: the only tests that need it built.
        .testTarget(name: "ResultStoreTests", dependencies: ["ResultStore", "Bench", "BenchTestSupport"]),
        .testTarget(
            name: "dcnbenchTests", dependencies: ["Bench", "BenchTestSupport", "DeformConv", "Topology", "dcnbench"]),
    ]
)
