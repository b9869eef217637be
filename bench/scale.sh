#!/usr/bin/env bash
# Throughput of create and read-by-id on one store with one or more instances, over HTTPS with
# wrk (Debian package `wrk`) against a release build; each instance gets its own wrk, as a load
# balancer would spread the load. Prints one line per phase: requests/s summed over instances,
# and each instance's p99 latency.
# Usage: bench/scale.sh sqlite|postgres [INSTANCES] [SECONDS] [CONNECTIONS]
#   PostgreSQL: a fresh database on $BENCH_POSTGRES (an administrator's URL, by default
#   postgres://postgres@127.0.0.1:5432/postgres), owned by the ordinary role custos_bench,
#   dropped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
store=${1:?sqlite or postgres}; n=${2:-1}; secs=${3:-15}; conns=${4:-32}
bin=$PWD/target/release/custos
[ -x "$bin" ] || cargo build --release -p custos
[ "$store" = sqlite ] && [ "$n" -gt 1 ] && { echo "the embedded store serves one instance"; exit 2; }
admin=${BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}
dir=$(mktemp -d); pids=(); db=custos_bench_$$
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ "$store" = postgres ] && psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
  rm -rf "$dir"
}
trap cleanup EXIT
pw='a long benchmark passphrase'
url=()
if [ "$store" = postgres ]; then
  psql "$admin" -qc "DO \$\$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'custos_bench') THEN CREATE ROLE custos_bench LOGIN; END IF; END \$\$"
  psql "$admin" -qc "CREATE DATABASE $db OWNER custos_bench TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
  host=${admin#*@}; host=${host%%/*}
  url=(--database-url "postgres://custos_bench@$host/$db")
fi
CUSTOS_OWNER_PASSWORD="$pw" $bin init --data-dir "$dir/data" --business "Scale Bench Shop" "${url[@]}" >/dev/null
bases=()
for i in $(seq 1 "$n"); do
  port=$((18460 + i))
  $bin serve --data-dir "$dir/data" --listen 127.0.0.1:$port 2>"$dir/server$i.log" & pids+=($!)
  bases+=("https://127.0.0.1:$port")
done
for b in "${bases[@]}"; do
  for _ in $(seq 100); do curl -sk "$b/readyz" >/dev/null && break; sleep 0.1; done
done
export TOKEN=$(curl -sk "${bases[0]}/v1/auth/token" -H 'content-type: application/json' \
  -d "{\"username\":\"owner\",\"password\":\"$pw\"}" | python3 -c 'import sys,json;print(json.load(sys.stdin)["token"])')
per=$(( conns / n )); [ "$per" -lt 1 ] && per=1

# Runs wrk against every instance at once; prints the summed rate and each p99.
phase() {
  local name=$1 script=$2 path=$3 i=0 loads=()
  for b in "${bases[@]}"; do
    i=$((i + 1))
    wrk -t1 -c"$per" -d"${secs}s" --latency -s "$script" "$b$path" >"$dir/wrk-$name-$i" & loads+=($!)
  done
  wait "${loads[@]}"
  python3 - "$name" "$dir" "$n" <<'PY'
import re, sys
name, d, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
rate, p99s, errors = 0.0, [], 0
for i in range(1, n + 1):
    t = open(f"{d}/wrk-{name}-{i}").read()
    rate += float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
    m = re.search(r"99%\s+([\d.]+\w+)", t); p99s.append(m.group(1) if m else "?")
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", t); errors += int(m.group(1)) if m else 0
print(f"{name:<12} {rate:>9.0f} req/s   p99 per instance: {', '.join(p99s)}   non-2xx: {errors}")
PY
}

echo "== $store, $n instance(s), $conns connections in all, ${secs}s per phase, $(nproc) cores"
phase create bench/create.lua /v1/customers
python3 - "${bases[0]}" "$dir" <<'PY'
import json, ssl, sys, urllib.request, os
base, d = sys.argv[1], sys.argv[2]
ctx = ssl._create_unverified_context()
ids, cur = [], None
while len(ids) < 20000:
    url = f"{base}/v1/customers?limit=200" + (f"&cursor={cur}" if cur else "")
    req = urllib.request.Request(url, headers={"Authorization": "Bearer " + os.environ["TOKEN"]})
    page = json.load(urllib.request.urlopen(req, context=ctx))
    ids += [c["id"] for c in page["items"]]
    cur = page["next_cursor"]
    if not cur: break
open(f"{d}/ids", "w").write("\n".join(ids))
PY
export IDS="$dir/ids"
phase read bench/read.lua ""
echo "customers: $(wc -l < "$dir/ids")+; server RSS (KiB): $(for p in "${pids[@]}"; do ps -o rss= -p "$p"; done | tr '\n' ' ')"
