#!/usr/bin/env python3
"""Mutated BAL variants for the parity test, from the real files, with a fixed seed.

    python3 tests/parity/mutate.py DATA_DIR OUT_DIR [N]

Reads the real BAL files (data/bal/*.csv) and the BAL fixtures that carry BAN ids, applies
one to three mutations per variant (dropped columns, swapped separators, broken dates, bad
UUIDs, duplicated ids, wrong commune names, stray white space, Latin-1 re-encoding, line
breaks, numbers, keys, positions, coordinates, parcels, regional columns, duplicated
columns, ragged rows…) and writes N files named `NNN-<mutations>.csv`. Same inputs and
seed → same files.
"""

import csv
import io
import os
import random
import sys

SEED = 20261123


def read(path):
    raw = open(path, "rb").read()
    text = raw.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    rows = [r for r in rows if r]
    return rows[0], rows[1:]


def col(header, name):
    return header.index(name) if name in header else None


def write(header, rows, delimiter=";", newline="\n", encoding="utf-8", bom=False, quote_all=False):
    out = io.StringIO()
    w = csv.writer(
        out,
        delimiter=delimiter,
        lineterminator=newline,
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    w.writerow(header)
    for r in rows:
        w.writerow(r)
    data = out.getvalue()
    b = data.encode(encoding, errors="replace")
    return (b"\xef\xbb\xbf" + b) if bom else b


UUID_HEX = "0123456789abcdef"


def uuid4(rng):
    h = [rng.choice(UUID_HEX) for _ in range(32)]
    h[12] = "4"
    h[16] = rng.choice("89ab")
    s = "".join(h)
    return f"{s[:8]}-{s[8:12]}-{s[12:16]}-{s[16:20]}-{s[20:]}"


def some_rows(rng, rows, frac=0.1):
    n = max(1, int(len(rows) * frac))
    return rng.sample(range(len(rows)), min(n, len(rows))) if rows else []


def m_drop_column(rng, h, rows, ctx):
    known = [c for c in h if c]
    name = rng.choice(known)
    i = h.index(name)
    ctx["tag"] = f"drop-{name}"
    return h[:i] + h[i + 1 :], [r[:i] + r[i + 1 :] for r in rows]


def m_dates(rng, h, rows, ctx):
    i = col(h, "date_der_maj")
    if i is None:
        return m_spaces(rng, h, rows, ctx)
    bad = ["23/06/2023", "2023-02-30", "2099-01-01", "", "2009-12-31", "2023-6-1", "6 mai 2025", "2023-13-01", "20230623"]
    for k in some_rows(rng, rows, 0.2):
        rows[k][i] = rng.choice(bad)
    ctx["tag"] = "dates"
    return h, rows


def m_bad_uuid(rng, h, rows, ctx):
    ids = [c for c in ("id_ban_commune", "id_ban_toponyme", "id_ban_adresse") if c in h]
    if not ids:
        i = col(h, "uid_adresse")
        if i is None:
            return m_add_ids(rng, h, rows, ctx)
        for k in some_rows(rng, rows, 0.2):
            rows[k][i] = rng.choice(["@c:1234", f"@c:{uuid4(rng)} @v:{uuid4(rng)} @a:{uuid4(rng)}", f"@a:{uuid4(rng)}", "@v:not-a-uuid"])
        ctx["tag"] = "uid"
        return h, rows
    for k in some_rows(rng, rows, 0.15):
        c = h.index(rng.choice(ids))
        v = rows[k][c]
        rows[k][c] = rng.choice([v.upper(), v[:-1], v.replace("-4", "-1", 1), "xxx", "", v + " "])
    ctx["tag"] = "bad-uuid"
    return h, rows


def m_add_ids(rng, h, rows, ctx):
    """1.3 file → 1.4 with generated ids (some rows without)."""
    h = h + ["id_ban_commune", "id_ban_toponyme", "id_ban_adresse"]
    commune = uuid4(rng)
    voie_col = col(h, "voie_nom")
    topo = {}
    skip = set(some_rows(rng, rows, 0.05)) if rng.random() < 0.5 else set()
    out = []
    for k, r in enumerate(rows):
        v = r[voie_col] if voie_col is not None else ""
        topo.setdefault(v, uuid4(rng))
        ids = ["", "", ""] if k in skip else [commune, topo[v], uuid4(rng)]
        out.append(r + ids)
    ctx["tag"] = "add-ids"
    return h, out


def m_dup_ids(rng, h, rows, ctx):
    i = col(h, "id_ban_adresse")
    j = col(h, "id_ban_toponyme")
    if i is None or len(rows) < 3:
        return m_add_ids(rng, h, rows, ctx) if i is None else (h, rows)
    a, b = rng.sample(range(len(rows)), 2)
    rows[b][i] = rows[a][i]
    if j is not None and rng.random() < 0.5:
        c, d = rng.sample(range(len(rows)), 2)
        rows[d][j] = rows[c][j]
    ctx["tag"] = "dup-ids"
    return h, rows


def m_commune_nom(rng, h, rows, ctx):
    i = col(h, "commune_nom")
    if i is None:
        return m_spaces(rng, h, rows, ctx)
    for k in some_rows(rng, rows, 0.3):
        v = rows[k][i]
        rows[k][i] = rng.choice([v.upper(), v.lower(), "Paris", "", v.replace("-", " "), v + "x"])
    ctx["tag"] = "commune-nom"
    return h, rows


def m_spaces(rng, h, rows, ctx):
    for k in some_rows(rng, rows, 0.1):
        c = rng.randrange(len(h))
        rows[k][c] = rng.choice([" ", "  ", "\t"]) + rows[k][c] + rng.choice(["", " "])
    ctx["tag"] = "spaces"
    return h, rows


def m_numero(rng, h, rows, ctx):
    i = col(h, "numero")
    if i is None:
        return m_spaces(rng, h, rows, ctx)
    for k in some_rows(rng, rows, 0.1):
        rows[k][i] = rng.choice(["0", "007", "100000", "12b", "", "99999", "-1", "1.5", "00000000000000000000001"])
    ctx["tag"] = "numero"
    return h, rows


def m_cle(rng, h, rows, ctx):
    i = col(h, "cle_interop")
    if i is None:
        return m_spaces(rng, h, rows, ctx)
    for k in some_rows(rng, rows, 0.1):
        v = rows[k][i]
        parts = v.split("_")
        choices = [v.upper(), v.replace("_", "-"), "_".join(parts[:2]), v + "_bis", "75056_0001_00001", "01340_0001_00001", "99999_0001_00001"]
        if len(parts) >= 3:
            choices += ["_".join([parts[0], "xxxx"] + parts[2:]), "_".join([parts[0], parts[1][:3]] + parts[2:]), "_".join(parts[:2] + ["1"] + parts[3:]), "_".join(parts[:2] + ["12a45"])]
        rows[k][i] = rng.choice(choices)
    ctx["tag"] = "cle"
    return h, rows


def m_position(rng, h, rows, ctx):
    i = col(h, "position")
    if i is None:
        return m_spaces(rng, h, rows, ctx)
    for k in some_rows(rng, rows, 0.15):
        rows[k][i] = rng.choice(["Entree", "entree", "cage d'escalier", "cage d’escalier", "porte", "", "ENTRÉE", "délivrance  postale", "batiment", "segment "])
    ctx["tag"] = "position"
    return h, rows


def m_coords(rng, h, rows, ctx):
    cs = [c for c in ("x", "y", "long", "lat") if c in h]
    if not cs:
        return m_spaces(rng, h, rows, ctx)
    for k in some_rows(rng, rows, 0.1):
        c = h.index(rng.choice(cs))
        v = rows[k][c]
        rows[k][c] = rng.choice([v.replace(".", ","), "", "1e5", "0", "-200", "05", "01.5", v + "0", "abc"])
    if "long" in h and "lat" in h and rng.random() < 0.3:
        a, b = h.index("long"), h.index("lat")
        for k in some_rows(rng, rows, 0.05):
            rows[k][a], rows[k][b] = rows[k][b], rows[k][a]
    ctx["tag"] = "coords"
    return h, rows


def m_parcelles(rng, h, rows, ctx):
    i = col(h, "cad_parcelles")
    if i is None:
        return m_spaces(rng, h, rows, ctx)
    for k in some_rows(rng, rows, 0.1):
        v = rows[k][i]
        rows[k][i] = rng.choice(["|" + v, v + "|", "|", "123", v + "|" + v, "710346000AI01888"])
    ctx["tag"] = "parcelles"
    return h, rows


def m_insee(rng, h, rows, ctx):
    i = col(h, "commune_insee")
    if i is None:
        return m_spaces(rng, h, rows, ctx)
    for k in some_rows(rng, rows, 0.1):
        rows[k][i] = rng.choice(["75056", "01340", "99999", "", "2a004", "13201", "abcde"])
    ctx["tag"] = "insee"
    return h, rows


def m_deleguee(rng, h, rows, ctx):
    i = col(h, "commune_deleguee_insee")
    if i is None:
        return m_spaces(rng, h, rows, ctx)
    for k in some_rows(rng, rows, 0.1):
        rows[k][i] = rng.choice(["01340", "01015", "71346", "99999", "01001"])
    ctx["tag"] = "deleguee"
    return h, rows


def m_voie(rng, h, rows, ctx):
    i = col(h, "voie_nom")
    if i is None:
        i = col(h, "toponyme")
    if i is None:
        return m_spaces(rng, h, rows, ctx)
    for k in some_rows(rng, rows, 0.1):
        v = rows[k][i]
        rows[k][i] = rng.choice([v.upper(), "Ru", "", v.replace(" ", "_"), "x" * 201, v + "\ufffd"])
    ctx["tag"] = "voie"
    return h, rows


def m_suffixe(rng, h, rows, ctx):
    i = col(h, "suffixe")
    if i is None:
        return m_spaces(rng, h, rows, ctx)
    for k in some_rows(rng, rows, 0.1):
        rows[k][i] = rng.choice(["bis", "-a", "b-s", "quatrieme1", "é", "A"])
    ctx["tag"] = "suffixe"
    return h, rows


def m_complement(rng, h, rows, ctx):
    i = col(h, "lieudit_complement_nom")
    v = col(h, "voie_nom")
    if i is None or v is None:
        return m_spaces(rng, h, rows, ctx)
    for k in some_rows(rng, rows, 0.1):
        rows[k][i] = rng.choice([rows[k][v], "Le Bourg", rows[rng.randrange(len(rows))][v]])
    ctx["tag"] = "complement"
    return h, rows


def m_certif(rng, h, rows, ctx):
    i = col(h, "certification_commune")
    if i is None:
        return m_spaces(rng, h, rows, ctx)
    for k in some_rows(rng, rows, 0.1):
        rows[k][i] = rng.choice(["oui", "2", "", "true"])
    ctx["tag"] = "certif"
    return h, rows


def m_regional(rng, h, rows, ctx):
    base = rng.choice([c for c in ("voie_nom", "commune_nom", "lieudit_complement_nom") if c in h] or ["voie_nom"])
    lang = rng.choice(["bre", "eus", "oc-provenc", "xx"])
    h = h + [f"{base}_{lang}"]
    rows = [r + [rng.choice(["Hent", "Straed ar Vilin", "", "HENT BRAS", "a_b c", " Ru"])] for r in rows]
    ctx["tag"] = f"regional-{lang}"
    return h, rows


def m_dup_column(rng, h, rows, ctx):
    c = rng.randrange(len(h))
    h = h + [h[c]]
    rows = [r + [r[c] if rng.random() < 0.8 else ""] for r in rows]
    ctx["tag"] = "dup-col"
    return h, rows


def m_case_header(rng, h, rows, ctx):
    c = rng.randrange(len(h))
    h = list(h)
    h[c] = h[c].upper()
    ctx["tag"] = "case-header"
    return h, rows


def m_ragged(rng, h, rows, ctx):
    if rows:
        k = rng.randrange(len(rows))
        rows[k] = rows[k][:-1] if rng.random() < 0.5 else rows[k] + ["x"]
    ctx["tag"] = "ragged"
    return h, rows


def m_few_rows(rng, h, rows, ctx):
    ctx["tag"] = "few-rows"
    return h, rows[: rng.choice([0, 1, 3])]


def m_uppercase_all(rng, h, rows, ctx):
    for c in ("voie_nom", "commune_nom"):
        i = col(h, c)
        if i is not None:
            for r in rows:
                r[i] = r[i].upper()
    ctx["tag"] = "upper"
    return h, rows


ROW_MUTATIONS = [
    m_drop_column, m_dates, m_bad_uuid, m_add_ids, m_dup_ids, m_commune_nom, m_spaces, m_numero,
    m_cle, m_position, m_coords, m_parcelles, m_insee, m_deleguee, m_voie, m_suffixe,
    m_complement, m_certif, m_regional, m_dup_column, m_case_header, m_ragged, m_few_rows,
    m_uppercase_all,
]

ENCODINGS = [
    # (tag, delimiter, newline, encoding, bom, quote_all)
    ("", ";", "\n", "utf-8", False, False),
    ("crlf", ";", "\r\n", "utf-8", False, False),
    ("bom", ";", "\r\n", "utf-8", True, False),
    ("comma", ",", "\n", "utf-8", False, False),
    ("tab", "\t", "\n", "utf-8", False, False),
    ("pipe", "|", "\n", "utf-8", False, False),
    ("latin1", ";", "\n", "cp1252", False, False),
    ("cr", ";", "\r", "utf-8", False, False),
    ("quoted", ";", "\n", "utf-8", False, True),
]


def main():
    data, out_dir = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 300
    rng = random.Random(SEED)
    bases = [os.path.join(data, "bal", f) for f in sorted(os.listdir(os.path.join(data, "bal"))) if f.endswith(".csv")]
    fixtures = []
    for root, _, files in sorted(os.walk(os.path.join(data, "bal-fixtures"))):
        for f in sorted(files):
            p = os.path.join(root, f)
            if f.endswith(".csv"):
                first = open(p, "rb").readline()
                if b"id_ban_adresse" in first or b"uid_adresse" in first and b"commune_deleguee" in first:
                    fixtures.append(p)
    sources = bases * 12 + fixtures
    os.makedirs(out_dir, exist_ok=True)
    for k in range(n):
        src = rng.choice(sources)
        h, rows = read(src)
        rows = [list(r) for r in rows]
        tags = []
        for _ in range(rng.choice([1, 1, 2, 3])):
            ctx = {}
            h, rows = rng.choice(ROW_MUTATIONS)(rng, list(h), rows, ctx)
            tags.append(ctx.get("tag", "x"))
        enc = ENCODINGS[0] if rng.random() < 0.55 else rng.choice(ENCODINGS)
        if enc[0]:
            tags.append(enc[0])
        b = write(h, rows, *enc[1:])
        name = f"{k:03d}-{os.path.basename(src)[:-4][:20]}-{'+'.join(tags)}.csv".replace("/", "_")
        with open(os.path.join(out_dir, name), "wb") as fh:
            fh.write(b)


if __name__ == "__main__":
    main()
