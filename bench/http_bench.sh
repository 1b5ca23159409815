#!/usr/bin/env bash
# Side-by-side HTTP benchmark: geocommun vs addok, one run, same machine, same data, same queries.
#
# Usage:  bench/http_bench.sh [options]
# Options:
#   --data NAME   paris (default: BAN 2024 Paris, 158k rows) | 871k (Paris + the 23 BANO 2015
#                 départements rewritten with the harness's bano2ban.py) | dev (400 made-up rows,
#                 smoke test only)
#   -d SECONDS    wrk duration per run                          (DURATION, default 20)
#   -n N          accuracy sample size                          (N_ACCURACY, default 2000)
#   -b ROWS       batch CSV rows                                (BATCH_ROWS, default 20000)
#   -r REPEAT     wrk repeats per configuration, medians taken  (REPEAT, default 3)
#   -o DIR        raw results folder                            (OUT_BASE, default bench/out)
#   -l LABEL      free label stored with the results
#   --port PORT   geocommun port on 127.0.0.1                   (PORT, default 7979)
#   --no-addok    skip addok entirely (our side only; no ratios)
#   --no-paired   do not re-measure addok's /search and /reverse right before each of our wrk
#                 runs (paired mode, the default, keeps addok's second instance up and runs its
#                 wrk and ours back to back, so that host drift lands on both sides alike)
#   --eval        also run `geocommun eval` in process on the relevance files (cross-check)
#   --keep        keep the addok work folder the harness leaves in /tmp
# Environment: GEOCOMMUN_BIN (target/release/geocommun), GEOCOMMUN_SHARED (../shared),
#   CONNS ("1 8"), WARMUP (5), SEED (42), CSV_REPEAT (3: our one-request CSV runs, median
#   kept), QUIET_WAIT (600) / QUIET_WAIT_PHASE (180) bounded
#   waits for a quiet machine, STARTUP_TIMEOUT (900 s), PHASES ("search reverse health csv
#   accuracy" for our side), ADDOK_PHASES (the harness's PHASES, default all).
#
# What it does:
#  1. query files once: the harness's queries.py (seed 42: search mix, reverse points, batch CSV,
#     clean + degraded accuracy sets) and bench/relevance_queries.py (same sample, + numafter,
#     merged, all = six degradations, all4 = the harness's "all");
#  2. addok through the harness (addok_bench.sh -k, REPEAT, -n, -b, -d): import, wrk search /
#     reverse c=1 and c=8, batch CSV, accuracy; then addok again from the kept NDJSON (same venv,
#     config and WSGI app, own redis on 6398 and gunicorn -w 2 on 7877) for accuracy.py on the
#     relevance files (all rules), and a contract probe;
#  3. `geocommun serve` on the same files: startup time, the same wrk loads (wrk_paths.lua, -t1,
#     c=1 and c=8, same duration and repeats) on /search, /reverse and /health (the ceiling),
#     the same batch CSV POST (1 request, then 2 halves in parallel), accuracy.py on the
#     relevance files, contract probe, RSS;
#  4. bench/compare.py: tables of ours vs addok with ratios and the issue's targets.
# Raw results: OUT_BASE/<data>-<run id>/ (geocommun-*.jsonl, addok/addok-*.jsonl,
# addok-rel-*.jsonl, comparison.md / .json, logs). Only 127.0.0.1 is used; every load is bounded
# in time; only processes started here are stopped, by PID.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$BENCH_DIR")"
SHARED="$(readlink -f "${GEOCOMMUN_SHARED:-$REPO/../shared}")"
export HARNESS="$SHARED/bench/addok"
VENV="${VENV:-$HARNESS/.venv}"
PY="$VENV/bin/python"
BIN="${GEOCOMMUN_BIN:-$REPO/target/release/geocommun}"
DATA="${DATA:-paris}"
DURATION="${DURATION:-20}"
N_ACCURACY="${N_ACCURACY:-2000}"
BATCH_ROWS="${BATCH_ROWS:-20000}"
REPEAT="${REPEAT:-3}"
OUT_BASE="${OUT_BASE:-$BENCH_DIR/out}"
LABEL="${LABEL:-}"
PORT="${PORT:-7979}"
ADDOK_REDIS_PORT="${ADDOK_REDIS_PORT:-6399}"
ADDOK_HTTP_PORT="${ADDOK_HTTP_PORT:-7878}"
REL_REDIS_PORT="${REL_REDIS_PORT:-6398}"
REL_HTTP_PORT="${REL_HTTP_PORT:-7877}"
CONNS="${CONNS:-1 8}"
WARMUP="${WARMUP:-5}"
SEED="${SEED:-42}"
MIX_SIZE="${MIX_SIZE:-5000}"
REVERSE_SIZE="${REVERSE_SIZE:-5000}"
QUIET_WAIT="${QUIET_WAIT:-600}"
CSV_REPEAT="${CSV_REPEAT:-3}"
QUIET_WAIT_PHASE="${QUIET_WAIT_PHASE:-180}"
STARTUP_TIMEOUT="${STARTUP_TIMEOUT:-900}"
PHASES="${PHASES:-search reverse health csv accuracy}"
ADDOK_PHASES="${ADDOK_PHASES:-search reverse csv accuracy}"
NO_ADDOK=0
PAIRED=1
EVAL=0
KEEP=0
usage() { sed -n '2,40p' "$0"; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --data) DATA="$2"; shift 2 ;;
    -d) DURATION="$2"; shift 2 ;;
    -n) N_ACCURACY="$2"; shift 2 ;;
    -b) BATCH_ROWS="$2"; shift 2 ;;
    -r) REPEAT="$2"; shift 2 ;;
    -o) OUT_BASE="$2"; shift 2 ;;
    -l) LABEL="$2"; shift 2 ;;
    --port) PORT="$2"; shift 2 ;;
    --no-addok) NO_ADDOK=1; shift ;;
    --no-paired) PAIRED=0; shift ;;
    --eval) EVAL=1; shift ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage ;;
    *) echo "unknown option $1"; usage ;;
  esac
done
export DURATION SEED
[ "$NO_ADDOK" = 1 ] && PAIRED=0
has_phase() { case " $PHASES " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

# ---------------------------------------------------------------- checks
for bin in redis-server redis-cli wrk curl; do
  command -v "$bin" >/dev/null || { echo "missing $bin: run $HARNESS/setup_addok.sh"; exit 1; }
done
[ -x "$VENV/bin/addok" ] || { echo "missing $VENV: run $HARNESS/setup_addok.sh"; exit 1; }
[ -x "$BIN" ] || { echo "missing $BIN: cargo build --release -p geocommun"; exit 1; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$PORT" "$ADDOK_REDIS_PORT" "$ADDOK_HTTP_PORT" "$REL_REDIS_PORT" "$REL_HTTP_PORT"; do
  if port_busy "$p"; then echo "port $p already in use on 127.0.0.1: not starting"; exit 1; fi
done

mkdir -p "$OUT_BASE/data"
OUT_BASE="$(readlink -f "$OUT_BASE")"
case "$DATA" in
  paris) INPUTS=("$SHARED/data/ban/ban-2024/adresses-75.csv.gz") ;;
  871k)
    BANO="$OUT_BASE/data/bano-2015-23deps-as-ban.csv.gz"
    if [ ! -s "$BANO" ]; then
      log "rewriting the 23 BANO 2015 départements in the BAN layout -> $BANO"
      "$PY" "$HARNESS/bano2ban.py" "$SHARED"/data/ban/bano-2015/*.csv.gz -o "$BANO.tmp"
      mv "$BANO.tmp" "$BANO"
    fi
    INPUTS=("$SHARED/data/ban/ban-2024/adresses-75.csv.gz" "$BANO") ;;
  dev)
    DEV="$OUT_BASE/data/dev.csv.gz"
    [ -s "$DEV" ] || "$PY" "$HARNESS/make_devdata.py" "$DEV"
    INPUTS=("$DEV") ;;
  *) echo "unknown --data $DATA (paris, 871k, dev)"; exit 2 ;;
esac

RUN_ID="$(date -u +%Y%m%dT%H%M%SZ)-$$"
RUN="$OUT_BASE/$DATA-$RUN_ID"
mkdir -p "$RUN/q" "$RUN/rel" "$RUN/logs" "$RUN/wrk" "$RUN/csv" "$RUN/tmp"
OUT="$RUN/geocommun-$RUN_ID.jsonl"
REL_OUT="$RUN/addok-rel-$RUN_ID.jsonl"
PAIRED_OUT="$RUN/addok-paired-$RUN_ID.jsonl"
log "run $RUN_ID ($DATA), results in $RUN"
echo "$0 $*" > "$RUN/command.txt"

SERVER_PID=""
REL_REDIS_PID=""
REL_GUNI_PID=""
ADDOK_WORK=""
stop_pid() {  # PID: TERM, wait up to 10 s, then KILL
  local pid="$1"
  [ -n "$pid" ] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  set +e
  stop_pid "$SERVER_PID"
  stop_pid "$REL_GUNI_PID"
  stop_pid "$REL_REDIS_PID"
  if [ -n "$ADDOK_WORK" ] && [ -d "$ADDOK_WORK" ] && [ "$KEEP" != 1 ]; then rm -rf "$ADDOK_WORK"; fi
  rm -rf "$RUN/tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.3f", b-a}'; }
snap() { "$PY" "$HARNESS/cpuwatch.py" snapshot $$ > "$1"; }
quiet_phase() {  # NAME
  "$PY" "$HARNESS/cpuwatch.py" quiet $$ "$QUIET_WAIT_PHASE" 10 > "$RUN/tmp/quiet-$1.json"
  grep -q '"quiet": true' "$RUN/tmp/quiet-$1.json" || log "machine still busy before $1: $(cat "$RUN/tmp/quiet-$1.json")"
}
tool() { "$PY" "$BENCH_DIR/benchtool.py" "$@"; }

# ---------------------------------------------------------------- 0. quiet machine, binary
log "waiting (<= ${QUIET_WAIT}s) until other processes use < 10% of one core (load: $(cut -d' ' -f1-3 /proc/loadavg))"
"$PY" "$HARNESS/cpuwatch.py" quiet $$ "$QUIET_WAIT" 10 > "$RUN/quiet-start.json"
log "quiet check: $(cat "$RUN/quiet-start.json")"
# Our own copy of the binary: a rebuild by someone else during the run changes nothing here.
cp "$BIN" "$RUN/geocommun"
GBIN="$RUN/geocommun"
tool meta "$RUN/meta.json" "$RUN_ID" "$LABEL" "$DATA" "$GBIN" "$SHARED" "${INPUTS[@]}"

# ---------------------------------------------------------------- 1. query files
log "query files (seed $SEED): harness queries.py + bench/relevance_queries.py"
"$PY" "$HARNESS/queries.py" "${INPUTS[@]}" --out-dir "$RUN/q" --seed "$SEED" --n "$N_ACCURACY" \
  --mix "$MIX_SIZE" --reverse "$REVERSE_SIZE" --batch "$BATCH_ROWS" 2> "$RUN/logs/queries.log"
tool paths "$RUN/q"
GEOCOMMUN_SHARED="$SHARED" "$PY" "$BENCH_DIR/relevance_queries.py" "${INPUTS[@]}" --out-dir "$RUN/rel" \
  --seed "$SEED" --n "$N_ACCURACY" 2> "$RUN/logs/relevance_queries.log"
tool sha256 "$RUN/q/search-paths.txt" "$RUN/q/reverse-paths.txt" "$RUN/q/batch.csv" \
  "$RUN/q/queries-clean.tsv" "$RUN/q/queries-degraded.tsv" > "$RUN/queries-sha256.json"
cmp -s "$RUN/q/queries-clean.tsv" "$RUN/rel/queries-clean.tsv" \
  || log "WARNING: relevance_queries.py clean set differs from queries.py's"

# ---------------------------------------------------------------- 2. addok (harness)
if [ "$NO_ADDOK" != 1 ]; then
  log "addok: harness addok_bench.sh (REPEAT=$REPEAT, -d $DURATION, -n $N_ACCURACY, -b $BATCH_ROWS), log $RUN/logs/addok_bench.log"
  REPEAT="$REPEAT" CONNS="$CONNS" WARMUP="$WARMUP" SEED="$SEED" MIX_SIZE="$MIX_SIZE" \
  REVERSE_SIZE="$REVERSE_SIZE" QUIET_WAIT="$QUIET_WAIT" QUIET_WAIT_PHASE="$QUIET_WAIT_PHASE" \
  REDIS_PORT="$ADDOK_REDIS_PORT" HTTP_PORT="$ADDOK_HTTP_PORT" PHASES="$ADDOK_PHASES" \
    "$HARNESS/addok_bench.sh" -o "$RUN/addok" -d "$DURATION" -n "$N_ACCURACY" -b "$BATCH_ROWS" -k \
    -l "geocommun http_bench $DATA $RUN_ID" "${INPUTS[@]}" > "$RUN/logs/addok_bench.log" 2>&1 \
    || { log "addok_bench.sh failed:"; tail -20 "$RUN/logs/addok_bench.log" >&2; exit 1; }
  ADDOK_RES="$(ls "$RUN"/addok/addok-*.jsonl | head -1)"
  ADDOK_RUN_ID="$(basename "$ADDOK_RES" .jsonl)"; ADDOK_RUN_ID="${ADDOK_RUN_ID#addok-}"
  ADDOK_WORK="/tmp/addok-bench-$ADDOK_RUN_ID"
  [ -s "$ADDOK_WORK/addok.ndjson" ] || { log "kept addok work folder $ADDOK_WORK not found"; exit 1; }
  log "addok harness done: $ADDOK_RES"
  # The harness generated its query files itself: they must be the very same bytes as ours.
  tool sha256 "$ADDOK_WORK/q/search-paths.txt" "$ADDOK_WORK/q/reverse-paths.txt" "$ADDOK_WORK/q/batch.csv" \
    "$ADDOK_WORK/q/queries-clean.tsv" "$ADDOK_WORK/q/queries-degraded.tsv" > "$RUN/queries-sha256-addok.json"
  if cmp -s "$RUN/queries-sha256.json" "$RUN/queries-sha256-addok.json"; then
    QUERIES_SAME=true; log "query files identical to the harness's"
  else
    QUERIES_SAME=false; log "WARNING: the harness's query files differ from ours"
  fi

  # ------------------------------------------------------------ 2b. addok on the relevance files
  log "addok again from the kept NDJSON (redis $REL_REDIS_PORT, gunicorn $REL_HTTP_PORT) for the relevance files"
  RW="$RUN/tmp/addok-rel"
  mkdir -p "$RW/redis" "$RW/logs"
  cat > "$RW/redis.conf" <<EOF
bind 127.0.0.1
port $REL_REDIS_PORT
protected-mode yes
daemonize no
save ""
appendonly no
dir $RW/redis
logfile $RW/logs/redis.log
databases 16
EOF
  redis-server "$RW/redis.conf" &
  REL_REDIS_PID=$!
  for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p "$REL_REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  redis-cli -h 127.0.0.1 -p "$REL_REDIS_PORT" ping >/dev/null
  export ADDOK_CONFIG_MODULE="$HARNESS/addok.conf" ADDOK_BENCH_REDIS_PORT="$REL_REDIS_PORT" \
    ADDOK_BENCH_DOCSTORE=sqlite ADDOK_SQLITE_DB_PATH="$RW/addok.db" ADDOK_LOG_DIR="$RW/logs"
  t0=$(now)
  "$VENV/bin/addok" batch "$ADDOK_WORK/addok.ndjson" > "$RW/logs/batch.log" 2>&1
  "$VENV/bin/addok" ngrams > "$RW/logs/ngrams.log" 2>&1
  t1=$(now)
  log "addok re-import: $(elapsed "$t0" "$t1") s"
  "$VENV/bin/gunicorn" -w 2 -b "127.0.0.1:$REL_HTTP_PORT" --timeout 1200 --pythonpath "$HARNESS" \
    --access-logfile /dev/null --error-logfile "$RW/logs/gunicorn.log" addok_wsgi:application \
    > "$RW/logs/gunicorn.out" 2>&1 &
  REL_GUNI_PID=$!
  ok=0
  for _ in $(seq 1 150); do
    if curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$REL_HTTP_PORT/search?q=rue&limit=1"; then ok=1; break; fi
    sleep 0.2
  done
  [ "$ok" = 1 ] || { log "gunicorn did not come up"; cat "$RW/logs/gunicorn.log" >&2; exit 1; }
  "$PY" - "$RUN/meta.json" "$RUN/tmp/meta-addok-rel.json" "$ADDOK_RES" <<'EOF'
import json, sys
meta = json.load(open(sys.argv[1]))
harness = json.loads(open(sys.argv[3]).readline())
meta.update({'tool': 'addok', 'geocommun': None, 'addok_harness_run_id': harness['run_id'],
             'versions': harness['versions'],
             'addok_config': dict(harness['config'], gunicorn_workers=2, source='kept NDJSON of the harness run')})
json.dump(meta, open(sys.argv[2], 'w'))
EOF
  quiet_phase addok-rel-accuracy
  snap "$RUN/tmp/cpu-arel-0.json"
  "$PY" "$HARNESS/accuracy.py" --base "http://127.0.0.1:$REL_HTTP_PORT" --params 'limit=1&autocomplete=0' \
    --workers 2 --deadline 2400 --details "$RUN/accuracy-details-addok.tsv" \
    "$RUN/rel/queries-clean.tsv" "$RUN/rel/queries-degraded.tsv" > "$RUN/tmp/acc-addok-rel.json"
  snap "$RUN/tmp/cpu-arel-1.json"
  tool emit "$RUN/tmp/meta-addok-rel.json" "$REL_OUT" accuracy "$RUN/tmp/acc-addok-rel.json" \
    --cpu cpu "$RUN/tmp/cpu-arel-0.json" "$RUN/tmp/cpu-arel-1.json" --attach quiet_before "$RUN/tmp/quiet-addok-rel-accuracy.json"
  "$PY" "$BENCH_DIR/contract_probe.py" fetch --base "http://127.0.0.1:$REL_HTTP_PORT" --qdir "$RUN/q" \
    --out "$RUN/contract-addok.json"
  if [ "$PAIRED" != 1 ]; then
    stop_pid "$REL_GUNI_PID"; REL_GUNI_PID=""
    stop_pid "$REL_REDIS_PID"; REL_REDIS_PID=""
    rm -rf "$RW"
  fi
  unset ADDOK_CONFIG_MODULE ADDOK_BENCH_REDIS_PORT ADDOK_BENCH_DOCSTORE ADDOK_SQLITE_DB_PATH ADDOK_LOG_DIR
  if [ "$KEEP" != 1 ]; then rm -rf "$ADDOK_WORK"; fi
else
  QUERIES_SAME=null
fi

# ---------------------------------------------------------------- 3. geocommun
emit() { tool emit "$RUN/meta.json" "$OUT" "$@"; }
emit queries "{\"query_files_sha256\": $(cat "$RUN/queries-sha256.json"), \"identical_to_addok_harness\": $QUERIES_SAME}"

quiet_phase startup
log "geocommun serve on 127.0.0.1:$PORT (${INPUTS[*]})"
snap "$RUN/tmp/cpu-start-0.json"
t0=$(now)
"$GBIN" serve --quiet --no-store --listen "127.0.0.1:$PORT" "${INPUTS[@]}" > "$RUN/logs/geocommun.log" 2>&1 &
SERVER_PID=$!
ok=0
deadline=$(( $(date +%s) + STARTUP_TIMEOUT ))
while [ "$(date +%s)" -lt "$deadline" ]; do
  kill -0 "$SERVER_PID" 2>/dev/null || break
  if curl -sf -o "$RUN/health.json" --max-time 2 "http://127.0.0.1:$PORT/health"; then ok=1; break; fi
  sleep 0.1
done
t1=$(now)
snap "$RUN/tmp/cpu-start-1.json"
[ "$ok" = 1 ] || { log "geocommun did not come up:"; tail -20 "$RUN/logs/geocommun.log" >&2; exit 1; }
STARTUP_S=$(elapsed "$t0" "$t1")
rss() { awk '/^VmRSS/{r=$2} /^VmHWM/{h=$2} END{printf "{\"rss_kb\": %d, \"hwm_kb\": %d}", r, h}' "/proc/$SERVER_PID/status"; }
emit startup "{\"startup_s\": $STARTUP_S, \"health\": $(cat "$RUN/health.json"), \"memory\": $(rss)}" \
  --cpu cpu "$RUN/tmp/cpu-start-0.json" "$RUN/tmp/cpu-start-1.json" --attach quiet_before "$RUN/tmp/quiet-startup.json"
log "geocommun up in ${STARTUP_S}s: $(cat "$RUN/health.json")"

# utime + stime (all threads) of the server's processes: ours, or addok's redis, gunicorn
# master and workers (paired mode).
srv_pids() { if [ "$1" = "$PORT" ]; then echo "$SERVER_PID"; else echo "$REL_REDIS_PID $REL_GUNI_PID $(pgrep -P "$REL_GUNI_PID" | tr '\n' ' ')"; fi; }
srv_ticks() { local t=0 p; for p in $(srv_pids "$1"); do t=$(( t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0) )); done; echo "$t"; }
run_wrk() {  # name paths conns duration [port]
  local name="$1" paths="$2" conns="$3" dur="$4" port="${5:-$PORT}"
  snap "$RUN/wrk/$name.cpu0"
  srv_ticks "$port" > "$RUN/wrk/$name.srv0"
  WRK_PATHS="$paths" WRK_JSON="$RUN/wrk/$name.json" \
    timeout $((dur + 30)) wrk -t1 -c"$conns" -d"${dur}s" --timeout 10s --latency \
    -s "$HARNESS/wrk_paths.lua" "http://127.0.0.1:$port" > "$RUN/wrk/$name.txt" 2>&1
  echo $(( $(srv_ticks "$port") - $(cat "$RUN/wrk/$name.srv0") )) > "$RUN/wrk/$name.srvticks"
  snap "$RUN/wrk/$name.cpu1"
}
log "warm-up ${WARMUP}s"
run_wrk warmup-search "$RUN/q/search-paths.txt" 2 "$WARMUP"
run_wrk warmup-reverse "$RUN/q/reverse-paths.txt" 2 "$WARMUP"
if [ "$PAIRED" = 1 ]; then
  run_wrk addok-warmup-search "$RUN/q/search-paths.txt" 2 "$WARMUP" "$REL_HTTP_PORT"
  run_wrk addok-warmup-reverse "$RUN/q/reverse-paths.txt" 2 "$WARMUP" "$REL_HTTP_PORT"
fi

for rep in $(seq 1 "$REPEAT"); do
  for kind in search reverse health; do
    has_phase "$kind" || continue
    for c in $CONNS; do
      name="$kind-c$c-r$rep"
      if [ "$PAIRED" = 1 ] && [ "$kind" != health ]; then
        # addok's second instance, same wrk, right before ours: a pair measured within a minute.
        quiet_phase "addok-$name"
        log "wrk addok $kind c=$c ${DURATION}s (paired, repeat $rep/$REPEAT)"
        run_wrk "addok-$name" "$RUN/q/$kind-paths.txt" "$c" "$DURATION" "$REL_HTTP_PORT"
        tool wrk "$RUN/wrk/addok-$name.json" "$kind" "$c" "$DURATION" "$rep" "$kind-paths.txt" \
          "$(cat "$RUN/wrk/addok-$name.srvticks")" > "$RUN/wrk/addok-$name.metrics.json"
        tool emit "$RUN/tmp/meta-addok-rel.json" "$PAIRED_OUT" "$kind" "$RUN/wrk/addok-$name.metrics.json" \
          --cpu cpu "$RUN/wrk/addok-$name.cpu0" "$RUN/wrk/addok-$name.cpu1" \
          --attach quiet_before "$RUN/tmp/quiet-addok-$name.json"
        log "  $(cut -c1-220 "$RUN/wrk/addok-$name.json")"
      fi
      quiet_phase "$name"
      log "wrk $kind c=$c ${DURATION}s (repeat $rep/$REPEAT)"
      run_wrk "$name" "$RUN/q/$kind-paths.txt" "$c" "$DURATION"
      tool wrk "$RUN/wrk/$name.json" "$kind" "$c" "$DURATION" "$rep" "$kind-paths.txt" \
        "$(cat "$RUN/wrk/$name.srvticks")" > "$RUN/wrk/$name.metrics.json"
      emit "$kind" "$RUN/wrk/$name.metrics.json" --cpu cpu "$RUN/wrk/$name.cpu0" "$RUN/wrk/$name.cpu1" \
        --attach quiet_before "$RUN/tmp/quiet-$name.json"
      log "  $(cut -c1-220 "$RUN/wrk/$name.json")"
    done
  done
done

if has_phase csv; then
  csv_post() {  # in out: exactly the harness's request
    curl -sS --max-time 1500 -o "$2" -w '%{http_code}' \
      -F "data=@$1" -F columns=adresse -F columns=code_postal -F columns=commune \
      -F delimiter=, -F 'quote="' \
      "http://127.0.0.1:$PORT/search/csv/"
  }
  # One request takes ~0.1 s here (addok's, ~30 s): a single one is at the mercy of a
  # scheduling hiccup, so CSV_REPEAT requests are made in turn and the median time is kept
  # (every time is recorded; the answers must be the same bytes).
  log "batch CSV: $BATCH_ROWS rows, one request at a time, $CSV_REPEAT times"
  quiet_phase csv1
  snap "$RUN/tmp/cpu-csv1-0.json"
  SINGLE_S=""
  for i in $(seq 1 "$CSV_REPEAT"); do
    t0=$(now); code1=$(csv_post "$RUN/q/batch.csv" "$RUN/csv/batch.out.$i.csv" || true); t1=$(now)
    SINGLE_S="${SINGLE_S:+$SINGLE_S,}$(elapsed "$t0" "$t1")"
    cmp -s "$RUN/csv/batch.out.1.csv" "$RUN/csv/batch.out.$i.csv" || log "WARNING: CSV answer $i differs from the first"
  done
  mv "$RUN/csv/batch.out.1.csv" "$RUN/csv/batch.out.csv"
  rm -f "$RUN"/csv/batch.out.[0-9]*.csv
  snap "$RUN/tmp/cpu-csv1-1.json"
  log "batch CSV times (s): $SINGLE_S"
  "$PY" - "$RUN/q/batch.csv" "$RUN/csv" <<'EOF'
import os, sys
src, out = sys.argv[1:]
lines = open(src, encoding='utf-8').read().splitlines(keepends=True)
head, body = lines[0], lines[1:]
half = (len(body) + 1) // 2
for i, part in enumerate((body[:half], body[half:])):
    with open(os.path.join(out, 'batch.part%d.csv' % i), 'w', encoding='utf-8') as f:
        f.write(head)
        f.writelines(part)
EOF
  log "batch CSV: 2 halves in parallel"
  quiet_phase csv2
  snap "$RUN/tmp/cpu-csv2-0.json"
  t0=$(now)
  csv_post "$RUN/csv/batch.part0.csv" "$RUN/csv/batch.part0.out.csv" > "$RUN/tmp/code0" &
  P0=$!
  csv_post "$RUN/csv/batch.part1.csv" "$RUN/csv/batch.part1.out.csv" > "$RUN/tmp/code1" &
  P1=$!
  wait "$P0" "$P1" || true
  t1=$(now)
  snap "$RUN/tmp/cpu-csv2-1.json"
  tool csv-stats "$RUN/csv/batch.out.csv" "$code1" "$SINGLE_S" "$RUN/csv/batch.part0.out.csv" \
    "$RUN/csv/batch.part1.out.csv" "$(cat "$RUN/tmp/code0")" "$(cat "$RUN/tmp/code1")" "$(elapsed "$t0" "$t1")" > "$RUN/tmp/csv.json"
  emit csv "$RUN/tmp/csv.json" --cpu cpu "$RUN/tmp/cpu-csv1-0.json" "$RUN/tmp/cpu-csv1-1.json" \
    --cpu cpu_parallel2 "$RUN/tmp/cpu-csv2-0.json" "$RUN/tmp/cpu-csv2-1.json" \
    --attach quiet_before "$RUN/tmp/quiet-csv1.json"
  log "csv: $(cat "$RUN/tmp/csv.json")"
  rm -f "$RUN"/csv/batch.part*.out.csv
fi

if has_phase accuracy; then
  log "accuracy: $N_ACCURACY addresses x (clean + 8 degraded rules), then clean with API defaults"
  quiet_phase accuracy
  snap "$RUN/tmp/cpu-acc-0.json"
  "$PY" "$HARNESS/accuracy.py" --base "http://127.0.0.1:$PORT" --params 'limit=1&autocomplete=0' \
    --workers 2 --deadline 2400 --details "$RUN/accuracy-details-geocommun.tsv" \
    "$RUN/rel/queries-clean.tsv" "$RUN/rel/queries-degraded.tsv" > "$RUN/tmp/acc.json"
  "$PY" "$HARNESS/accuracy.py" --base "http://127.0.0.1:$PORT" --params 'limit=1' \
    --workers 2 --deadline 600 "$RUN/rel/queries-clean.tsv" >> "$RUN/tmp/acc.json"
  snap "$RUN/tmp/cpu-acc-1.json"
  emit accuracy "$RUN/tmp/acc.json" --cpu cpu "$RUN/tmp/cpu-acc-0.json" "$RUN/tmp/cpu-acc-1.json" \
    --attach quiet_before "$RUN/tmp/quiet-accuracy.json"
  cat "$RUN/tmp/acc.json" >&2
fi

"$PY" "$BENCH_DIR/contract_probe.py" fetch --base "http://127.0.0.1:$PORT" --qdir "$RUN/q" --out "$RUN/contract-geocommun.json"
if [ -s "$RUN/contract-addok.json" ]; then
  "$PY" "$BENCH_DIR/contract_probe.py" diff "$RUN/contract-addok.json" "$RUN/contract-geocommun.json" > "$RUN/contract-diff.json"
  emit contract "$RUN/contract-diff.json"
fi

emit memory "$(rss)"
stop_pid "$SERVER_PID"; SERVER_PID=""
if [ "$PAIRED" = 1 ]; then
  stop_pid "$REL_GUNI_PID"; REL_GUNI_PID=""
  stop_pid "$REL_REDIS_PID"; REL_REDIS_PID=""
fi

if [ "$EVAL" = 1 ]; then
  log "geocommun eval (in process, cross-check)"
  "$GBIN" eval --quiet --queries "$RUN/rel/queries-clean.tsv" --queries "$RUN/rel/queries-degraded.tsv" \
    "${INPUTS[@]}" > "$RUN/eval.txt" 2> "$RUN/logs/eval.log" || log "eval failed (see $RUN/logs/eval.log)"
  "$PY" - "$RUN/eval.txt" > "$RUN/tmp/eval.json" <<'EOF'
import json, sys
for line in open(sys.argv[1], encoding='utf-8'):
    f = line.split()
    if len(f) == 5 and f[1].isdigit():
        print(json.dumps({'rule': f[0], 'n': int(f[1]), 'top1_pct': float(f[2]),
                          'within_50m_pct': float(f[3]), 'empty': int(f[4])}))
EOF
  [ -s "$RUN/tmp/eval.json" ] && emit eval "$RUN/tmp/eval.json"
fi

# ---------------------------------------------------------------- 4. comparison
"$PY" "$BENCH_DIR/compare.py" "$RUN" --md "$RUN/comparison.md" --json "$RUN/comparison.json"
log "done: $RUN"
