#!/usr/bin/env bash
# Backup, verify and restore times and sizes for a data dir of N customers, created over HTTPS
# with wrk (Debian package `wrk`) against a release build. Prints a table.
# Usage: bench/backup.sh N [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}; conns=${2:-32}
bin=$PWD/target/release/custos
[ -x "$bin" ] || cargo build --release -p custos
dir=$(mktemp -d); pid=
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
pw='a long benchmark passphrase'
CUSTOS_OWNER_PASSWORD="$pw" $bin init --data-dir "$dir/data" --business "Backup Bench Shop" >/dev/null
$bin serve --data-dir "$dir/data" --listen 127.0.0.1:18453 2>"$dir/server.log" & pid=$!
base=https://127.0.0.1:18453
for _ in $(seq 50); do curl -sk $base/healthz >/dev/null && break; sleep 0.1; done
export TOKEN=$(curl -sk $base/v1/auth/token -H 'content-type: application/json' \
  -d "{\"username\":\"owner\",\"password\":\"$pw\"}" | python3 -c 'import sys,json;print(json.load(sys.stdin)["token"])')
count() { $bin keys status --data-dir "$dir/data" | awk '/backup-bench-shop/ {print $4}'; }
started=$(date +%s)
while [ "$(count)" -lt "$n" ]; do
  wrk -t2 -c"$conns" -d10s -s bench/create.lua $base/v1/customers >/dev/null
done
echo "created $(count) customers in $(( $(date +%s) - started )) s"
kill -TERM $pid; wait $pid || true; pid=
t() { local s=$(date +%s.%N); "$@" >/dev/null; echo "$(date +%s.%N) - $s" | bc; }
size() { du -sb "$1" | cut -f1; }
db=$(( $(size "$dir/data/custos.db") + $(size "$dir/data/audit.db") ))
create=$(t $bin backup create --data-dir "$dir/data" --out "$dir/b.backup")
verify=$(t $bin backup verify "$dir/b.backup" --identity "$dir/data/backup.age-identity" --master-key "$dir/data/master.key")
restore=$(t $bin backup restore "$dir/b.backup" --data-dir "$dir/restored" --identity "$dir/data/backup.age-identity" --master-key "$dir/data/master.key" --live-data-dir "$dir/data")
printf "%-12s %14s %14s %10s %10s %10s\n" customers "databases (B)" "backup (B)" "create s" "verify s" "restore s"
printf "%-12s %14s %14s %10.1f %10.1f %10.1f\n" "$(count)" "$db" "$(size "$dir/b.backup")" "$create" "$verify" "$restore"
