#!/usr/bin/env bash
# The results store on a real PostgreSQL server: Debian's PostgreSQL installed if missing, a
# throw-away cluster started on a loopback port as the postgres user, dcnbench-pg built
# (Extensions/PostgresStore), then: two writers adding runs at once (both stored, every
# sample), the same run again (a no-op), a different run under a stored id (refused), history
# and export read back, a run removed; the server stopped and its folder removed on any exit.
#   scripts/pg-check.sh          (CI runs it; needs root for apt-get and su)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/deps.sh
ensure_packages postgresql
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
dir=$(mktemp -d)
chown postgres "$dir"
port=${PG_CHECK_PORT:-54329}
stop() {
  su postgres -c "$pgbin/pg_ctl -D $dir/data stop -m fast" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT
su postgres -c "$pgbin/initdb -D $dir/data -A trust -U postgres" >/dev/null
su postgres -c "$pgbin/pg_ctl -D $dir/data -l $dir/server.log -w start -o '-p $port -k $dir -c listen_addresses=127.0.0.1'" >/dev/null
su postgres -c "$pgbin/createdb -h 127.0.0.1 -p $port dcnbench"
url="postgresql://postgres@127.0.0.1:$port/dcnbench"

swift build --package-path Extensions/PostgresStore --product dcnbench-pg >&2
pg="$(swift build --package-path Extensions/PostgresStore --show-bin-path)/dcnbench-pg"
a=Tests/Fixtures/smoke.csv b=Tests/Fixtures/zen4-default.csv

echo "== two writers at once"
"$pg" store add "$a" --store "$url" > "$dir/a.log" 2>&1 & first=$!
"$pg" store add "$b" --store "$url" > "$dir/b.log" 2>&1 || { cat "$dir/b.log"; exit 1; }
wait $first || { cat "$dir/a.log"; exit 1; }
cat "$dir/a.log" "$dir/b.log"
"$pg" store runs --json --store "$url" > "$dir/runs.json"
python3 - "$dir/runs.json" <<'PY'
import json, sys
runs = {r["id"]: r for r in json.load(open(sys.argv[1]))}
assert set(runs) == {"524a616983c15430", "57606127eaba6771"}, runs.keys()
assert runs["524a616983c15430"]["samples"] == 1080 and runs["524a616983c15430"]["points"] == 36, runs
assert runs["57606127eaba6771"]["samples"] == 980 and runs["57606127eaba6771"]["points"] == 98, runs
print("both runs stored with every sample")
PY

echo "== the same run again, and a different one under its id"
"$pg" store add "$a" --store "$url" | grep -q "already stored"
edited=$dir/edited.csv
cp "$a" "$edited"; cp "${a%.csv}-context.json" "${edited%.csv}-context.json"
# One sample's time changed, and the row's median with it, so the file is consistent: a
# different run under the same id.
python3 - "${a%.csv}-samples.csv" "${edited%.csv}-samples.csv" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines(True)
cols = lines[0].strip().split(",")
first = lines[1].strip().split(",")
first[cols.index("cpu_seconds")] = str(float(first[cols.index("cpu_seconds")]) * 1.5)
lines[1] = ",".join(first) + "\n"
open(sys.argv[2], "w").write("".join(lines))
PY
if "$pg" store add "$edited" --store "$url" 2> "$dir/conflict.log"; then
  echo "a different run under a stored id was accepted" >&2; exit 1
fi
grep -q "store remove 524a616983c15430" "$dir/conflict.log"

echo "== history and export read back"
"$pg" history --json --order date --store "$url" > "$dir/history.json"
python3 -c 'import json,sys; h=json.load(open(sys.argv[1])); assert len(h["series"]) == 36 + 98, len(h["series"]); print(len(h["series"]), "series")' "$dir/history.json"
"$pg" store export --run 57606127eaba6771 --store "$url" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["benchmarks"]) == 98; print("export:", len(d["benchmarks"]), "benchmarks")'
"$pg" store remove 524a616983c15430 --store "$url"
[ "$("$pg" store runs --json --store "$url" | grep -c '"id"')" = 1 ]
echo "pg-check: passed"
