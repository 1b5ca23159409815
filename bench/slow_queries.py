#!/usr/bin/env python3
"""The slowest requests of a path file, one keep-alive connection, no concurrency.

  slow_queries.py --base http://127.0.0.1:7979 --paths search-paths.txt [--repeat 3] [--top 15]
                  [--deadline 300] [--out slow.json]

Each path is requested `repeat` times in a row (sequentially); the minimum time of the repeats
is kept (the least disturbed by other processes), so the ranking shows requests that are slow
by themselves, not unlucky. Prints JSON: percentiles of the per-path minimum times, the `top`
slowest paths with their time, status and number of features. Stdlib only, bounded in time.
"""
import argparse
import http.client
import json
import math
import sys
import time
import urllib.parse


def pct(values, q):
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument('--base', required=True)
    ap.add_argument('--paths', required=True)
    ap.add_argument('--repeat', type=int, default=3)
    ap.add_argument('--top', type=int, default=15)
    ap.add_argument('--deadline', type=float, default=300.0)
    ap.add_argument('--out')
    args = ap.parse_args(argv)
    u = urllib.parse.urlsplit(args.base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    paths = [l.rstrip('\n') for l in open(args.paths, encoding='utf-8') if l.strip()]
    deadline = time.monotonic() + args.deadline
    rows = []
    for p in paths:
        if time.monotonic() > deadline:
            break
        best, status, nfeat = None, None, None
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            conn.request('GET', p)
            resp = conn.getresponse()
            body = resp.read()
            dt = time.perf_counter() - t0
            best = dt if best is None else min(best, dt)
            status = resp.status
        try:
            nfeat = len(json.loads(body).get('features', []))
        except (ValueError, AttributeError):
            pass
        rows.append((best, p, status, nfeat))
    times = [r[0] * 1000 for r in rows]
    rows.sort(reverse=True)
    out = {
        'n': len(rows), 'repeat': args.repeat, 'paths_file': args.paths,
        'min_time_ms': {'p50': round(pct(times, 0.5), 3), 'p90': round(pct(times, 0.9), 3),
                        'p99': round(pct(times, 0.99), 3), 'max': round(max(times), 3)},
        'non_200': sum(1 for r in rows if r[2] != 200),
        'slowest': [{'ms': round(t * 1000, 3), 'q': urllib.parse.unquote_plus(p.split('q=', 1)[-1]),
                     'path': p, 'status': s, 'features': n} for t, p, s, n in rows[:args.top]],
    }
    text = json.dumps(out, ensure_ascii=False, indent=1)
    if args.out:
        with open(args.out, 'w', encoding='utf-8') as f:
            f.write(text + '\n')
    print(text)


if __name__ == '__main__':
    sys.exit(main())
