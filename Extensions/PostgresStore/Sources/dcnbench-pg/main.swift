import ArgumentParser
import Foundation
import PostgresResultStore
import ResultStore
import StoreCommands

/// dcnbench's store commands on a PostgreSQL server: `--store postgresql://USER@HOST:PORT/DB`.
struct DCNBenchPG: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dcnbench-pg",
        abstract: "dcnbench's results store on a PostgreSQL server (store, history, dashboard).",
        discussion: """
            The same commands as dcnbench's, for --store postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE \
            (or an SQLite path, as dcnbench). The tables are made on first use. docs/history.md.

            Example:
              dcnbench-pg store add results/smoke.csv --store postgresql://dcnbench@db.example:5432/dcnbench
            """,
        subcommands: [StoreCommand.self, HistoryCommand.self, DashboardCommand.self]
    )
}

ResultsStores.schemes = [
    ("postgresql://", { location, create in try PostgresStore(url: location, create: create) }),
    ("postgres://", { location, create in try PostgresStore(url: location, create: create) }),
]
DCNBenchPG.main()
