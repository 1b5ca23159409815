#!/usr/bin/env bash
# BAL parity test: the reference validator (@ban-team/validateur-bal 3.5.2, pinned by
# tests/parity/package-lock.json, installed with `npm ci` into target/parity) and
# `geocommun validate` over every file of shared/data/bal, shared/data/bal-fixtures,
# shared/bench/validateur/crafted and 300 mutated variants of the real files (fixed seed).
# Fails on any difference not listed with its reason in tests/parity/compare.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA="${GEOCOMMUN_DATA_DIR:-$(cd .. && pwd)/shared/data}"
CRAFTED="${GEOCOMMUN_CRAFTED_DIR:-$DATA/../bench/validateur/crafted}"
MUTANTS="${BAL_PARITY_MUTANTS:-300}"
WORK=target/parity
mkdir -p "$WORK"

# 1. The reference, from npm, exactly as locked.
if ! cmp -s tests/parity/package-lock.json "$WORK/package-lock.json" \
    || [ ! -d "$WORK/node_modules/@ban-team/validateur-bal" ]; then
    cp tests/parity/package.json tests/parity/package-lock.json "$WORK/"
    (cd "$WORK" && npm ci --no-audit --no-fund --loglevel=error)
fi

# 2. The corpus.
rm -rf "$WORK/mutants" "$WORK/gunzipped"
python3 tests/parity/mutate.py "$DATA" "$WORK/mutants" "$MUTANTS"
mkdir -p "$WORK/gunzipped"
find "$DATA/bal" "$DATA/bal-fixtures" -name '*.csv.gz' | sort | while read -r gz; do
    gunzip -c "$gz" > "$WORK/gunzipped/$(basename "${gz%.gz}")"
done
find "$DATA/bal" "$DATA/bal-fixtures" "$CRAFTED" "$WORK/gunzipped" "$WORK/mutants" \
    -name '*.csv' | sort > "$WORK/files.txt"
echo "parity corpus: $(wc -l < "$WORK/files.txt") files"

# 3. Both validators.
if [ -z "${GEOCOMMUN_BIN:-}" ]; then  # scripts/test passes the binary its tests built
  cargo build --quiet -p geocommun
  GEOCOMMUN_BIN=target/debug/geocommun
fi
node tests/parity/ref.mjs "$WORK" < "$WORK/files.txt" > "$WORK/ref.jsonl"
xargs -d '\n' "$GEOCOMMUN_BIN" validate --format json < "$WORK/files.txt" \
    > "$WORK/ours.jsonl" || true

# 4. File by file.
python3 tests/parity/compare.py "$WORK/ref.jsonl" "$WORK/ours.jsonl" "$@"
