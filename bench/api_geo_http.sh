#!/usr/bin/env bash
# API Géo over HTTP on loopback: start-up time of `geocommun serve` (addresses + admin
# reference + contours), /communes?nom= req/s, and the latency of a département contour.
# Usage: bench/api_geo_http.sh [DURATION_S]   (needs wrk and a release build)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-10}"
PORT=7993
BIN=target/release/geocommun
[ -x "$BIN" ] || cargo build --release -p geocommun
"$BIN" serve --quiet --listen "127.0.0.1:$PORT" >/tmp/geocommun-api-geo-bench.log 2>&1 &
PID=$!
trap 'kill $PID' EXIT
start=$(date +%s.%N)
until curl -sf "http://127.0.0.1:$PORT/health" >/dev/null; do sleep 0.1; done
echo "start-up: $(echo "$(date +%s.%N) - $start" | bc) s"
base="http://127.0.0.1:$PORT"
echo "--- /health (ceiling of the HTTP stack)"
wrk -t2 -c8 -d"${DURATION}s" "$base/health" | grep Requests/sec
echo "--- /communes?nom=bordeaux&limit=5"
wrk -t2 -c8 -d"${DURATION}s" "$base/communes?nom=bordeaux&limit=5" | grep Requests/sec
echo "--- /departements/13?geometry=contour&format=geojson, one connection"
wrk -t1 -c1 -d"${DURATION}s" --latency "$base/departements/13?geometry=contour&format=geojson" \
  | grep -E 'Requests/sec|  50%|  99%'
echo "--- same, 8 connections"
wrk -t2 -c8 -d"${DURATION}s" --latency "$base/departements/13?geometry=contour&format=geojson" \
  | grep -E 'Requests/sec|  50%|  99%'
echo "--- /regions?format=geojson&geometry=contour&simplify=200, one connection"
wrk -t1 -c1 -d"${DURATION}s" --latency "$base/regions?format=geojson&geometry=contour&simplify=200" \
  | grep -E 'Requests/sec|  99%'
