// swift-tools-version:6.0
import PackageDescription

// Kernels are only fast with the host's widest vectors: without a target CPU Swift emits SSE
// and turns `addingProduct` into a call to `fmaf`. Set DCNBENCH_PORTABLE=1 for a build that
// valgrind can run (it cannot execute AVX-512), e.g. for instruction counting.
let portable = Context.environment["DCNBENCH_PORTABLE"] == "1"
let kernelFlags: [SwiftSetting] = portable ? [] : [.unsafeFlags(["-target-cpu", "native"])]

let package = Package(
    name: "dcnbench",
    products: [
        .library(name: "DeformConv", targets: ["DeformConv"]),
    ],
    targets: [
        .target(name: "DeformConv", swiftSettings: kernelFlags),
        .testTarget(
            name: "DeformConvTests",
            dependencies: ["DeformConv"],
            exclude: ["Golden"]
        ),
    ]
)
