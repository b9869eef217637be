#!/usr/bin/env bash
# Import throughput: a synthetic Square export of N customers (names, e-mail, phone, street,
# postal code, birthday without a year, a dropped spend column, half of them subscribed)
# imported with `custos import` (release build) into a fresh data dir, then imported again (every
# row matched and skipped). Prints rows/s of both runs and the peak memory of the first.
# Usage: bench/import.sh [ROWS] [sqlite|postgres]
#   PostgreSQL: a fresh database on $BENCH_POSTGRES (an administrator's URL, by default
#   postgres://postgres@127.0.0.1:5432/postgres), owned by the role custos_bench, dropped after.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-100000}; store=${2:-sqlite}
bin=$PWD/target/release/custos
[ -x "$bin" ] || cargo build --release -p custos
admin=${BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}
dir=$(mktemp -d); db=custos_bench_$$
cleanup() {
  [ "$store" = postgres ] && psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
  rm -rf "$dir"
}
trap cleanup EXIT
url=()
if [ "$store" = postgres ]; then
  psql "$admin" -qc "DO \$\$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'custos_bench') THEN CREATE ROLE custos_bench LOGIN; END IF; END \$\$"
  psql "$admin" -qc "CREATE DATABASE $db OWNER custos_bench TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
  host=${admin#*@}; host=${host%%/*}
  url=(--database-url "postgres://custos_bench@$host/$db")
fi
CUSTOS_OWNER_PASSWORD='a long benchmark passphrase' $bin init --data-dir "$dir/data" --business "Import Bench" --country PL "${url[@]}" >/dev/null
python3 - "$rows" > "$dir/customers.csv" <<'PY'
import sys
n = int(sys.argv[1])
print("Reference ID,First Name,Last Name,Email Address,Phone Number,Nickname,Company Name,Street Address 1,Street Address 2,City,State,Postal Code,Birthday,Memo,Square Customer ID,Creation Source,First Visit,Last Visit,Transaction Count,Lifetime Spend,Email Subscription Status,Instant Profile,Blocked from online booking")
for i in range(n):
    print(f"R{i},Name{i},Surname{i % 5000},person{i}@example.org,+48 6{i:08d},,,Street {i % 300} {i % 97},,City{i % 50},,{i % 100:02d}-{i % 1000:03d},{1 + i % 12:02d}-{1 + i % 28:02d},,SQ{i},Directory,,,3,12.50,{'subscribed' if i % 2 else 'unsubscribed'},false,false")
PY
size=$(du -h "$dir/customers.csv" | cut -f1)
run() {
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$dir/rss" $bin import square "$dir/customers.csv" --data-dir "$dir/data" --json > "$dir/report.json"
  end=$(date +%s.%N)
  python3 -c "
import json,sys
r=json.load(open('$dir/report.json')); s=float('$end')-float('$start')
print(f'$1: {r[\"rows\"]} rows ({r[\"imported\"]} imported, {r[\"skipped\"]} skipped, {r[\"consents_recorded\"]} consents) in {s:.1f} s = {r[\"rows\"]/s:,.0f} rows/s, peak RSS {int(open(\"$dir/rss\").read().split()[-1])//1024} MiB')"
}
echo "import of $rows customers ($size file) into $store on $(nproc) cores"
run "first run"
run "second run"
