/// The store's tables and statements, one text for SQLite and PostgreSQL: types both read the
/// same way (SQLite maps BIGINT, DOUBLE PRECISION and BOOLEAN to its integer and real
/// affinities), `?` placeholders (`numbered` turns them into PostgreSQL's `$1, $2…`).
public enum StoreSQL {
    /// The schema, a statement each; run in one transaction that holds the write lock, so
    /// that two processes creating one store take turns (the second finds the tables).
    public static let schema = [
        "CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """
        CREATE TABLE IF NOT EXISTS run (
          id TEXT PRIMARY KEY,
          git_commit TEXT, git_dirty BOOLEAN, date TEXT NOT NULL, host TEXT NOT NULL,
          cpu_model TEXT NOT NULL, build TEXT NOT NULL, build_flags TEXT NOT NULL,
          config_id TEXT NOT NULL, mode TEXT NOT NULL, sweep TEXT NOT NULL,
          context TEXT NOT NULL, digest TEXT NOT NULL, source TEXT NOT NULL, added TEXT NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS point (
          run_id TEXT NOT NULL REFERENCES run(id) ON DELETE CASCADE,
          name TEXT NOT NULL, variant TEXT NOT NULL, threads BIGINT NOT NULL, status TEXT NOT NULL,
          median_s DOUBLE PRECISION, median_low_s DOUBLE PRECISION, median_high_s DOUBLE PRECISION,
          processes BIGINT NOT NULL, gflops DOUBLE PRECISION, instructions BIGINT, record TEXT NOT NULL,
          seq BIGINT NOT NULL,
          PRIMARY KEY (run_id, name))
        """,
        "CREATE INDEX IF NOT EXISTS point_name ON point(name)",
        """
        CREATE TABLE IF NOT EXISTS sample (
          run_id TEXT NOT NULL, name TEXT NOT NULL, process BIGINT NOT NULL, sample BIGINT NOT NULL,
          seconds DOUBLE PRECISION NOT NULL, iterations BIGINT NOT NULL, cpu_seconds DOUBLE PRECISION NOT NULL,
          migrated BOOLEAN NOT NULL, reference_seconds DOUBLE PRECISION NOT NULL, layout TEXT NOT NULL,
          PRIMARY KEY (run_id, name, process, sample),
          FOREIGN KEY (run_id, name) REFERENCES point(run_id, name) ON DELETE CASCADE)
        """,
    ]

    /// The version of these tables; a store made with another is refused, not misread.
    public static let version = "1"
    public static let storedVersion = "SELECT value FROM store_meta WHERE key = 'schema_version'"
    public static let recordVersion = "INSERT INTO store_meta (key, value) VALUES ('schema_version', ?)"

    /// The error for a store whose tables are of another version.
    public static func versionMismatch(_ location: String, found: String?) -> String {
        "--store \(location): its tables are of store schema \(found ?? "unknown (made during development)"), this dcnbench reads \(version); add its runs' results files to a new store"
    }

    public static let storedDigest = "SELECT digest, source FROM run WHERE id = ?"
    public static let insertRun = """
        INSERT INTO run (id, git_commit, git_dirty, date, host, cpu_model, build, build_flags,
          config_id, mode, sweep, context, digest, source, added)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    public static let insertPoint = """
        INSERT INTO point (run_id, name, variant, threads, status, median_s, median_low_s, median_high_s,
          processes, gflops, instructions, record, seq)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    public static let insertSample = """
        INSERT INTO sample (run_id, name, process, sample, seconds, iterations, cpu_seconds, migrated,
          reference_seconds, layout) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    public static let deleteRun = "DELETE FROM run WHERE id = ?"
    /// Columns: id, git_commit, git_dirty, date, host, cpu_model, config_id, mode, sweep, points, samples.
    public static let runs = """
        SELECT r.id, r.git_commit, r.git_dirty, r.date, r.host, r.cpu_model, r.config_id, r.mode, r.sweep,
          (SELECT COUNT(*) FROM point p WHERE p.run_id = r.id) AS points,
          (SELECT COUNT(*) FROM sample s WHERE s.run_id = r.id) AS samples
        FROM run r ORDER BY r.date, r.id
        """
    public static let context = "SELECT context FROM run WHERE id = ?"
    public static let records = "SELECT record FROM point WHERE run_id = ? ORDER BY seq"
    /// Columns: name, median_s, median_low_s, median_high_s, processes, instructions, id,
    /// git_commit, git_dirty, date, host, cpu_model, config_id, mode.
    public static let historyRows = """
        SELECT p.name, p.median_s, p.median_low_s, p.median_high_s, p.processes, p.instructions,
          r.id, r.git_commit, r.git_dirty, r.date, r.host, r.cpu_model, r.config_id, r.mode
        FROM point p JOIN run r ON r.id = p.run_id WHERE p.status = 'ok'
        """

    /// `?` placeholders as `$1, $2…` (the statements hold no `?` in literals).
    public static func numbered(_ sql: String) -> String {
        var n = 0
        return sql.map { c -> String in
            guard c == "?" else { return String(c) }
            n += 1
            return "$\(n)"
        }.joined()
    }
}
