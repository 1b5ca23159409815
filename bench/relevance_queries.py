#!/usr/bin/env python3
"""Relevance query sets for geocommun and addok, side by side (fixed seed).

Builds on the addok harness's generator (../shared/bench/addok/queries.py, imported, not
copied): the same sample of real addresses (same seed, same sampling) and its rules
typo / noaccent / abbrev / nopostcode, plus two rules of ours:

  numafter  the house number after the street name ("rue de rivoli 12 75001 paris")
  merged    two words of the street name written together ("rue dela paix", "saintgermain")
  all       typo + noaccent + abbrev + nopostcode + numafter + merged, together
  all4      the harness's own "all" (typo + noaccent + abbrev + nopostcode), identical to the
            queries addok's published figures were measured on

The harness rules draw from the harness's random stream in the harness's order, so that their
queries are exactly the ones of queries.py; our rules draw from a separate stream.

Outputs queries-clean.tsv and queries-degraded.tsv in the TSV layout of queries.py, so that
both `geocommun eval --queries ...` (in process) and the harness's accuracy.py (over HTTP,
for addok and for `geocommun serve`) read them.

Usage: python3 bench/relevance_queries.py BAN.csv.gz [...] --out-dir DIR [--seed 42] [--n 2000]
       (GEOCOMMUN_SHARED, default ../shared next to the repository, locates the harness)
"""
import argparse
import importlib.util
import os
import random
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get('GEOCOMMUN_SHARED', os.path.join(HERE, '..', '..', 'shared'))


def load_harness():
    path = os.path.join(SHARED, 'bench', 'addok', 'queries.py')
    if not os.path.exists(path):
        sys.exit(f'{path} not found: set GEOCOMMUN_SHARED to the shared folder')
    spec = importlib.util.spec_from_file_location('addok_queries', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


H = load_harness()


def numafter(parts, rng=None):
    """Marks the parts so that render() puts the number after the street name."""
    out = dict(parts)
    out['_numafter'] = True
    return out


def merged(parts, rng):
    """Removes one space or hyphen between two words of the street name."""
    voie = parts['voie']
    seps = [m.start() for m in re.finditer(r"(?<=\w)[ -](?=\w)", voie)]
    out = dict(parts)
    if seps:
        i = rng.choice(seps)
        out['voie'] = voie[:i] + voie[i + 1:]
    return out


def all_rules(parts, rng):
    return merged(numafter(H.all_rules(parts, rng)), rng)


# (name, function, stream): 'h' is the harness's stream, 'x' ours.
RULES = [
    ('typo', H.typo, 'h'),
    ('noaccent', H.noaccent, 'h'),
    ('abbrev', H.abbreviate, 'h'),
    ('nopostcode', H.nopostcode, 'h'),
    ('all4', H.all_rules, 'h'),
    ('numafter', numafter, 'x'),
    ('merged', merged, 'x'),
    ('all', all_rules, 'x'),
]


def render(parts):
    if parts.get('_numafter'):
        order = (parts['voie'], parts['numero'], parts['rep'], parts['postcode'], parts['commune'])
        return ' '.join(p for p in order if p)
    return H.render(parts)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('inputs', nargs='+')
    ap.add_argument('--out-dir', required=True)
    ap.add_argument('--seed', type=int, default=42)
    ap.add_argument('--n', type=int, default=2000)
    args = ap.parse_args(argv)
    rows = H.load_rows(args.inputs)
    if not rows:
        sys.exit('no usable rows in inputs')
    os.makedirs(args.out_dir, exist_ok=True)
    # Same streams as queries.py, so the clean sample is the one addok was measured on.
    rng = random.Random('{}-{}'.format(args.seed, 'accuracy'))
    sample = ([rows[i] for i in rng.sample(range(len(rows)), args.n)] if args.n <= len(rows)
              else [rows[rng.randrange(len(rows))] for _ in range(args.n)])
    streams = {'h': random.Random('{}-{}'.format(args.seed, 'degrade')),
               'x': random.Random('{}-{}'.format(args.seed, 'geocommun'))}
    with open(os.path.join(args.out_dir, 'queries-clean.tsv'), 'w', encoding='utf-8') as fc, \
            open(os.path.join(args.out_dir, 'queries-degraded.tsv'), 'w', encoding='utf-8') as fd:
        fc.write('\t'.join(H.TSV_COLUMNS) + '\n')
        fd.write('\t'.join(H.TSV_COLUMNS) + '\n')
        for i, row in enumerate(sample):
            p = H.parts_of(row)
            clean = render(p)
            fc.write(H.tsv_row(i, 'clean', False, clean, row))
            for name, fn, stream in RULES:
                q = render(fn(p, streams[stream]))
                fd.write(H.tsv_row(i, name, q != clean, q, row))
    print(f'{len(sample)} addresses x {1 + len(RULES)} rules -> {args.out_dir}', file=sys.stderr)


if __name__ == '__main__':
    main()
