#!/usr/bin/env bash
# Every documented `make` target on this checkout, the cheap way (small sizes, short runs),
# against the embedded server: what a newcomer runs. Also: `make run` stopped with a plain
# kill leaves no server behind. Called by .ci/run after the first test pass.
set -euo pipefail
cd "$(dirname "$0")/.."
unset DATABASE_URL
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
PY=.venv/bin/python

free_port() { $PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
answers() { # answers URL: 0 when it answers 200
  $PY -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)' "$1" 2>/dev/null
}
group_gone() { # group_gone PGID SECONDS
  for _ in $(seq "$2"); do kill -0 -- "-$1" 2>/dev/null || return 0; sleep 1; done
  echo "processes left in group $1:"; ps -o pid,stat,cmd -g "$1" || true; return 1
}

echo "== make help"
make -s help >/dev/null
make -s install

echo "== make run, then a plain kill of make"
port=$(free_port)
setsid make run PORT="$port" >"$work/run.log" 2>&1 &
run_pid=$!
for _ in $(seq 300); do answers "http://127.0.0.1:$port/healthz" && break; sleep 1; done
answers "http://127.0.0.1:$port/notes/" || { cat "$work/run.log"; exit 1; }
kill -TERM "$run_pid"
group_gone "$run_pid" 30
if answers "http://127.0.0.1:$port/healthz"; then echo "the server still answers"; exit 1; fi

echo "== make alerts"
make -s alerts | grep -q "Digests written"

echo "== make load (small)"
LOAD_SECONDS=3 LOAD_SIZE=200 LOAD_CLIENTS=4 LOAD_RESULTS="$work/load.json" make -s load >/dev/null
$PY -c 'import json, sys; r = json.load(open(sys.argv[1])); assert r["requests"] and not r["errors"], r' "$work/load.json"

echo "== make explain (on the 200-annotation bench database)"
BENCH_EXPLAIN_DB=bench_200 make -s explain >/dev/null

echo "== make bench (one small size, few requests)"
BENCH_SIZES=200 BENCH_UNCACHED=0 BENCH_REQUESTS=10 BENCH_MIN_REQUESTS=5 make -s bench >/dev/null

echo "== make bench-import (300 files)"
BENCH_IMPORT_FILES=300 make -s bench-import >/dev/null

echo "== make cluster: the proxy answers, the replica and the cache are used; a plain kill stops it"
port=$(free_port)
setsid make cluster PORT="$port" >"$work/cluster.log" 2>&1 &
cluster_pid=$!
for _ in $(seq 300); do answers "http://127.0.0.1:$port/healthz" && break; sleep 1; done
answers "http://127.0.0.1:$port/notes/" || { cat "$work/cluster.log"; exit 1; }
$PY -c 'import json, sys, urllib.request
h = json.load(urllib.request.urlopen(sys.argv[1], timeout=5))
assert h["replicas"][0]["state"] == "ok" and h["cache"] == "ok", h' "http://127.0.0.1:$port/healthz"
kill -TERM "$cluster_pid"
group_gone "$cluster_pid" 60
if answers "http://127.0.0.1:$port/healthz"; then echo "the cluster still answers"; exit 1; fi

echo "== BENCH_TOPOLOGY=cluster make bench (small)"
BENCH_TOPOLOGY=cluster BENCH_CLUSTER_SIZE=200 BENCH_REQUESTS=10 BENCH_MIN_REQUESTS=5 BENCH_SECONDS=2 make -s bench >/dev/null
$PY -c 'import json; r = json.load(open("bench/cluster.json")); assert r["scenarios"]["notes"]["two_servers_rps"] > 0, r'
git checkout -- bench/cluster.json 2>/dev/null || true

echo "== make screenshots"
rm -rf artifacts/screenshots
make -s screenshots
test "$(ls artifacts/screenshots/*-360-sv.png | wc -l)" -ge 10

echo "== make backup, make restore"
make -s backup
dump=$(ls -t backups/*.dump | head -n 1)
echo yes | make -s restore FILE="$dump"

echo "== make stop-db, make clean-db, and make migrate starts from nothing again"
make -s stop-db
make -s clean-db
test ! -e .pgdata
make -s migrate >/dev/null
echo "all documented make targets work"
