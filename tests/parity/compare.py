#!/usr/bin/env python3
"""Compares the reference validator and geocommun file by file.

    python3 tests/parity/compare.py REF.jsonl OURS.jsonl [--details]

Both inputs are JSON lines, one object per file (ref.mjs and `geocommun validate --format
json` over several files). Compared per file: the outcome (reference exception vs our
refusal), parseOk, the verdict, the profile and the set of (row, code) findings. Known,
intended differences are listed in INTENDED below with their reason and do not fail the
test; anything else does. Prints "N files identical out of M".
"""
import json
import sys

# Intended differences: (predicate on the file name / reference output, reason).
INTENDED = [
    (
        lambda name, ref, ours: "exception" in ref
        and ref["exception"].startswith("Cannot read properties of undefined"),
        "the reference crashes (TypeError, spec quirk 14) on a commune déléguée whose row has no "
        "current commune code; geocommun reports the file instead",
    ),
    (
        lambda name, ref, ours: "exception" in ref
        and ref["exception"].startswith("Encoding currently not supported")
        and ours.get("encoding") == "windows-1252",
        "chardet's statistical guess names another single-byte charset (ISO-8859-2, …) for a "
        "short non-UTF-8 file; geocommun reads every non-UTF-8 file as Windows-1252",
    ),
]


def load(path):
    out = {}
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if line:
            o = json.loads(line)
            out[o["file"]] = o
    return out


def key(o):
    if "exception" in o:
        return ("exception",)
    if not o.get("parseOk"):
        return ("parse-failed",)
    findings = sorted({(f["row"], f["code"]) for f in o.get("findings", [])})
    return ("ok", o.get("valid"), o.get("profile"), tuple(findings))


def main():
    ref = load(sys.argv[1])
    ours = load(sys.argv[2])
    details = "--details" in sys.argv
    same, intended, failed = 0, [], []
    for name in sorted(ref):
        r, o = ref[name], ours.get(name)
        if o is None:
            failed.append((name, "missing from geocommun's output"))
            continue
        kr, ko = key(r), key(o)
        if kr == ko:
            same += 1
            continue
        reason = next((why for pred, why in INTENDED if pred(name, r, o)), None)
        if reason:
            intended.append((name, reason))
            continue
        if kr[0] != ko[0] or kr[0] != "ok":
            msg = f"outcome ref={kr[0]} {r.get('exception', r.get('parseErrors', ''))} ours={ko[0]} {o.get('exception', o.get('parseErrors', ''))}"
        else:
            rf, of = set(kr[3]), set(ko[3])
            msg = f"valid ref={kr[1]} ours={ko[1]}; profile ref={kr[2]} ours={ko[2]}; only ref: {sorted(rf - of)[:6]}{'…' if len(rf - of) > 6 else ''} ({len(rf - of)}); only ours: {sorted(of - rf)[:6]}{'…' if len(of - rf) > 6 else ''} ({len(of - rf)})"
        failed.append((name, msg))
    total = len(ref)
    print(f"parity: {same} files identical out of {total}; {len(intended)} intended differences; {len(failed)} unexpected")
    for name, why in intended:
        print(f"  intended  {name}: {why}")
    for name, msg in failed[: (None if details else 40)]:
        print(f"  DIFFERENT {name}: {msg}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
