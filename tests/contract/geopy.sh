#!/usr/bin/env bash
# Contract test: the Python client geopy (`geopy.geocoders.BANFrance`, from PyPI, in a
# virtualenv made here) geocodes and reverse-geocodes Paris addresses against `geocommun serve`
# unchanged. Loopback only; the server is stopped on exit; every wait is bounded.
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA="${GEOCOMMUN_DATA_DIR:-$(cd .. && pwd)/shared/data}"
VENV="target/contract-venv"
PORT="${GEOPY_PORT:-17878}"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/python" -c 'import geopy' 2>/dev/null || "$VENV/bin/pip" install -q 'geopy==2.4.1'
# The binary under test: GEOCOMMUN_BIN (scripts/test passes the one its tests built), else built.
if [ -z "${GEOCOMMUN_BIN:-}" ]; then
  cargo build -q -p geocommun
  GEOCOMMUN_BIN=target/debug/geocommun
fi
LOG="$(mktemp)"
"$GEOCOMMUN_BIN" serve --quiet --listen "127.0.0.1:$PORT" --data-dir "$DATA" \
  "$DATA/ban/ban-2024/adresses-75.csv.gz" >"$LOG" 2>&1 &
PID=$!
trap 'kill "$PID" 2>/dev/null || true; rm -f "$LOG"' EXIT
for _ in $(seq 1 240); do
  if curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$PID" 2>/dev/null; then cat "$LOG"; echo "server died" >&2; exit 1; fi
  sleep 0.5
done
"$VENV/bin/python" - "$PORT" <<'PY'
import sys
from geopy.geocoders import BANFrance

port = sys.argv[1]
geo = BANFrance(domain=f"127.0.0.1:{port}", scheme="http", timeout=10)
passed = failed = 0

def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name}: {detail}")

loc = geo.geocode("1 avenue du Général Lemonnier 75001 Paris")
check("geocode returns a location", loc is not None)
check("geocode label", loc and loc.address == "1 Avenue du Général Lemonnier 75001 Paris", loc and loc.address)
check("geocode point", loc and abs(loc.latitude - 48.861299) < 1e-5 and abs(loc.longitude - 2.330113) < 1e-5,
      loc and (loc.latitude, loc.longitude))
check("geocode raw id", loc and loc.raw["properties"]["id"] == "75101_cfq3tf_00001", loc and loc.raw)
many = geo.geocode("rue de rivoli paris", exactly_one=False, limit=3)
check("geocode several", many is not None and 1 <= len(many) <= 3, many)
rev = geo.reverse((48.861299, 2.330113))
check("reverse returns a location", rev is not None)
check("reverse label", rev and rev.address.startswith("1 Avenue du Général Lemonnier"), rev and rev.address)
none = geo.geocode("zzzzqqqqxxxx")
check("no result is None", none is None, none)
print(f"geopy contract: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
