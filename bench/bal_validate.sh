#!/usr/bin/env bash
# BAL validation speed and memory, geocommun vs the reference validator, in one run.
#
#   bash bench/bal_validate.sh [ROWS] [REAL_BAL]
#
# Builds a ROWS-row file (default 500,000) from the rows of a real BAL (default
# shared/data/bal/71346.csv) with the shared harness's generator (gen-synthetic.mjs: real
# rows replicated with new numbers), then times the reference `validate()` in-process
# (bench/bal_ref_validate.mjs, library loaded first, like validate.mjs's validate_ms) and
# `geocommun validate --format json` (release build, whole process, JSON of every finding
# written to /dev/null), each with /usr/bin/time for the peak RSS. Prints rows/s and peak
# memory of both and the ratios.
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

/usr/bin/time -f '%e %M' -o "$OUT/ref.time" \
    node bench/bal_ref_validate.mjs "$WORK" "$FILE" > "$OUT/ref.json"
/usr/bin/time -f '%e %M' -o "$OUT/ours.time" \
    target/release/geocommun validate --format json --data-dir "$DATA" "$FILE" > /dev/null || true

python3 - "$OUT" "$ROWS" <<'PY'
import json, sys
out, rows = sys.argv[1], int(sys.argv[2])
ref = json.load(open(f"{out}/ref.json"))
ref_wall, ref_kb = map(float, open(f"{out}/ref.time").read().split()[-2:])
our_wall, our_kb = map(float, open(f"{out}/ours.time").read().split()[-2:])
ref_s = ref["validate_ms"] / 1000
print(f"reference validate(): {ref_s:8.2f} s  {rows / ref_s:10.0f} rows/s  peak RSS {ref_kb / 1024:7.0f} MB  (valid={ref['valid']}, findings={ref['findings']})")
print(f"geocommun (process):  {our_wall:8.2f} s  {rows / our_wall:10.0f} rows/s  peak RSS {our_kb / 1024:7.0f} MB")
print(f"speed ratio: {ref_s / our_wall:.1f}x faster   memory ratio: {our_kb / ref_kb:.3f} (1/{ref_kb / our_kb:.0f})")
PY
