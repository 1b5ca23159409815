#!/usr/bin/env bash
# BAL validation speed and memory, geocommun vs the reference validator, in one run.
#
#   bash bench/bal_validate.sh [ROWS] [REAL_BAL]
#   REF_RUNS=3 OUR_RUNS=3 bash bench/bal_validate.sh     # repeats (medians are compared)
#
# Builds a ROWS-row file (default 500,000) from the rows of a real BAL (default
# shared/data/bal/71346.csv) with the shared harness's generator (gen-synthetic.mjs: real
# rows replicated with new numbers), then times the reference `validate()` in-process
# (bench/bal_ref_validate.mjs, library loaded first, like validate.mjs's validate_ms) and
# `geocommun validate --format json` (release build, whole process, JSON of every finding
# written to /dev/null), each with /usr/bin/time for the peak RSS, alternating the two.
# Prints rows/s and peak memory of both (median of the runs) and the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS="${1:-500000}"
DATA="${GEOCOMMUN_DATA_DIR:-$(cd .. && pwd)/shared/data}"
REAL="${2:-$DATA/bal/71346.csv}"
HARNESS="$DATA/../bench/validateur"
WORK=target/parity
OUT="target/bench-bal"
mkdir -p "$OUT"
if [ ! -d "$WORK/node_modules/@ban-team/validateur-bal" ]; then
    mkdir -p "$WORK" && cp tests/parity/package.json tests/parity/package-lock.json "$WORK/"
    (cd "$WORK" && npm ci --no-audit --no-fund --loglevel=error)
fi
FILE="$OUT/synth-$(basename "$REAL" .csv)-$ROWS.csv"
if [ ! -s "$FILE" ]; then
    NODE_PATH="$PWD/$WORK/node_modules" node "$HARNESS/gen-synthetic.mjs" "$REAL" "$ROWS" "$FILE"
fi
cargo build --quiet --release -p geocommun
echo "file: $FILE ($(wc -c < "$FILE") bytes, $ROWS rows)"

REF_RUNS="${REF_RUNS:-1}"
OUR_RUNS="${OUR_RUNS:-3}"
rm -f "$OUT"/ref-*.json "$OUT"/ref-*.time "$OUT"/ours-*.time
for i in $(seq 1 "$(( REF_RUNS > OUR_RUNS ? REF_RUNS : OUR_RUNS ))"); do
    if [ "$i" -le "$REF_RUNS" ]; then
        /usr/bin/time -f '%e %M' -o "$OUT/ref-$i.time" \
            node bench/bal_ref_validate.mjs "$WORK" "$FILE" > "$OUT/ref-$i.json"
    fi
    if [ "$i" -le "$OUR_RUNS" ]; then
        /usr/bin/time -f '%e %M' -o "$OUT/ours-$i.time" \
            target/release/geocommun validate --format json --data-dir "$DATA" "$FILE" > /dev/null || true
    fi
done

python3 - "$OUT" "$ROWS" <<'PY'
import glob, json, statistics, sys
out, rows = sys.argv[1], int(sys.argv[2])
def times(pattern):
    return [tuple(map(float, open(f).read().split()[-2:])) for f in sorted(glob.glob(f"{out}/{pattern}"))]
refs = [json.load(open(f)) for f in sorted(glob.glob(f"{out}/ref-*.json"))]
ref_s = statistics.median(r["validate_ms"] / 1000 for r in refs)
ref_kb = max(kb for _, kb in times("ref-*.time"))
ours = times("ours-*.time")
our_wall = statistics.median(w for w, _ in ours)
our_kb = max(kb for _, kb in ours)
print(f"reference validate(): {ref_s:8.2f} s  {rows / ref_s:10.0f} rows/s  peak RSS {ref_kb / 1024:7.0f} MB  (valid={refs[0]['valid']}, findings={refs[0]['findings']}, runs: {' '.join(str(r['validate_ms'] / 1000) for r in refs)})")
print(f"geocommun (process):  {our_wall:8.2f} s  {rows / our_wall:10.0f} rows/s  peak RSS {our_kb / 1024:7.0f} MB  (runs: {' '.join(str(w) for w, _ in ours)})")
print(f"speed ratio: {ref_s / our_wall:.1f}x faster   memory ratio: {our_kb / ref_kb:.3f} (1/{ref_kb / our_kb:.0f})")
PY
