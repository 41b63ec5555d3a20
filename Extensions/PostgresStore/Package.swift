// swift-tools-version:6.2
import PackageDescription

// dcnbench-pg: the results store on a PostgreSQL server, for a team's fleet of machines. A
// package of its own, beside dcnbench's, so that its network stack (SwiftNIO, TLS) is not in the
// quick start's build: `swift build -c release --package-path Extensions/PostgresStore`.
// The root package is this one's by path; its identity is its folder's name, whatever the
// checkout is called.
let root = Context.packageDirectory.split(separator: "/").dropLast(2).last.map { String($0).lowercased() } ?? "dcnbench"

let package = Package(
    name: "PostgresStore",
    products: [.executable(name: "dcnbench-pg", targets: ["dcnbench-pg"])],
    dependencies: [
        .package(path: "../.."),
        .package(url: "https://github.com/vapor/postgres-nio", exact: "1.33.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
    ],
    targets: [
        .target(
            name: "PostgresResultStore",
            dependencies: [
                .product(name: "ResultStore", package: root),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "dcnbench-pg",
            dependencies: [
                "PostgresResultStore",
                .product(name: "ResultStore", package: root),
                .product(name: "StoreCommands", package: root),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
    ]
)
