#!/usr/bin/env bash
# A quick load measurement of a release build with wrk (Debian package `wrk`): create, read by
# id, search by e-mail, over HTTPS with keep-alive on loopback. Prints wrk's summaries.
# Usage: bench/quick.sh [SECONDS] [CONNECTIONS]     (the full harness comes with the performance issue)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-15}; conns=${2:-64}
bin=target/release/custos
[ -x "$bin" ] || cargo build --release -p custos
pid=; dir=$(mktemp -d); trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
pw='a long benchmark passphrase'
CUSTOS_OWNER_PASSWORD="$pw" $bin init --data-dir "$dir/data" --business "Load Test Shop" >/dev/null
$bin serve --data-dir "$dir/data" --listen 127.0.0.1:18443 2>"$dir/server.log" & pid=$!
base=https://127.0.0.1:18443
for _ in $(seq 50); do curl -sk $base/healthz >/dev/null && break; sleep 0.1; done
export TOKEN=$(curl -sk $base/v1/auth/token -H 'content-type: application/json' \
  -d "{\"username\":\"owner\",\"password\":\"$pw\"}" | python3 -c 'import sys,json;print(json.load(sys.stdin)["token"])')
echo "== create, $conns connections, ${secs}s"
wrk -t2 -c"$conns" -d"${secs}s" --latency -s bench/create.lua $base/v1/customers | sed -n '1,/Requests\/sec/p'
python3 - "$base" "$dir" <<'PY'
import json, ssl, sys, urllib.request, os
base, d = sys.argv[1], sys.argv[2]
ctx = ssl._create_unverified_context()
ids, emails, cur = [], [], None
while len(ids) < 20000:
    url = f"{base}/v1/customers?limit=200" + (f"&cursor={cur}" if cur else "")
    req = urllib.request.Request(url, headers={"Authorization": "Bearer " + os.environ["TOKEN"]})
    page = json.load(urllib.request.urlopen(req, context=ctx))
    for c in page["items"]:
        ids.append(c["id"]); emails.append(c["fields"]["email"])
    cur = page["next_cursor"]
    if not cur: break
open(f"{d}/ids", "w").write("\n".join(ids)); open(f"{d}/emails", "w").write("\n".join(emails))
print(f"({len(ids)} customers sampled for reads)")
PY
export IDS="$dir/ids" EMAILS="$dir/emails"
for c in "$conns" 8; do
  echo "== read by id, $c connections, ${secs}s"
  wrk -t2 -c"$c" -d"${secs}s" --latency -s bench/read.lua $base | sed -n '1,/Requests\/sec/p'
done
echo "== search by e-mail, $conns connections, ${secs}s"
wrk -t2 -c"$conns" -d"${secs}s" --latency -s bench/search.lua $base | sed -n '1,/Requests\/sec/p'
echo "== server RSS: $(ps -o rss= -p $pid) KiB; customers: $(wc -l < "$dir/ids")+"
