#!/usr/bin/env python3
"""api-adresse contract probe: the same requests to two servers, answers compared by shape.

  contract_probe.py fetch --base http://127.0.0.1:PORT --qdir QDIR --out FILE.json [--n 60]
      issues a fixed list of requests (first N lines of search-mix.txt with the API defaults and
      with limit=1&autocomplete=0, first N/2 reverse points, plus a few edge cases: filters,
      limit, lat/lon bias, empty / short / long q, bad coordinates) and stores for each one the
      status, content type, top-level keys, property keys, geometry type, and top-1 id / type.
  contract_probe.py diff ADDOK.json OURS.json
      prints a JSON report of the differences (statuses, keys present on one side only, top-level
      values such as version / attribution / licence / limit, top-1 id agreement).
Stdlib only; every request has a 10 s timeout.
"""
import argparse
import collections
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request


def requests_list(qdir, n):
    reqs = []
    with open(os.path.join(qdir, 'search-mix.txt'), encoding='utf-8') as f:
        mix = [l.rstrip('\n') for l in f if l.strip()][:n]
    for q in mix:
        reqs.append(('search-default', '/search/?' + urllib.parse.urlencode({'q': q})))
        reqs.append(('search-limit1-noac', '/search/?' + urllib.parse.urlencode(
            {'q': q, 'limit': 1, 'autocomplete': 0})))
    with open(os.path.join(qdir, 'reverse-points.tsv')) as f:
        pts = [l.split() for l in f if l.strip()][:max(1, n // 2)]
    for lat, lon in pts:
        reqs.append(('reverse', '/reverse/?lat={}&lon={}'.format(lat, lon)))
    q0 = mix[0] if mix else 'rue de rivoli paris'
    lat0, lon0 = pts[0] if pts else ('48.8566', '2.3522')
    edge = [
        ('edge-limit20', '/search/?' + urllib.parse.urlencode({'q': 'rue de la paix', 'limit': 20})),
        ('edge-type-street', '/search/?' + urllib.parse.urlencode({'q': 'rue de la paix', 'type': 'street'})),
        ('edge-type-municipality', '/search/?' + urllib.parse.urlencode({'q': 'paris', 'type': 'municipality'})),
        ('edge-postcode', '/search/?' + urllib.parse.urlencode({'q': 'rue de rivoli', 'postcode': '75001'})),
        ('edge-citycode', '/search/?' + urllib.parse.urlencode({'q': 'rue de rivoli', 'citycode': '75104'})),
        ('edge-latlon', '/search/?' + urllib.parse.urlencode({'q': 'rue de la paix', 'lat': lat0, 'lon': lon0})),
        ('edge-autocomplete1', '/search/?' + urllib.parse.urlencode({'q': q0[:8], 'autocomplete': 1})),
        ('edge-empty-q', '/search/?q='),
        ('edge-short-q', '/search/?q=a'),
        ('edge-no-q', '/search/'),
        ('edge-long-q', '/search/?' + urllib.parse.urlencode({'q': 'rue de la paix ' * 20})),
        ('edge-limit0', '/search/?' + urllib.parse.urlencode({'q': 'rue de la paix', 'limit': 0})),
        ('edge-limit-bad', '/search/?' + urllib.parse.urlencode({'q': 'rue de la paix', 'limit': 'abc'})),
        ('edge-reverse-type', '/reverse/?lat={}&lon={}&type=street'.format(lat0, lon0)),
        ('edge-reverse-bad', '/reverse/?lat=abc&lon=2.35'),
        ('edge-reverse-missing', '/reverse/'),
        ('edge-reverse-far', '/reverse/?lat=0&lon=0'),
    ]
    return reqs + edge


def fetch_one(base, path):
    rec = {'path': path}
    try:
        with urllib.request.urlopen(base + path, timeout=10) as resp:
            status, ctype, body = resp.status, resp.headers.get('Content-Type'), resp.read()
    except urllib.error.HTTPError as e:
        status, ctype, body = e.code, e.headers.get('Content-Type'), e.read()
    except Exception as e:  # noqa: BLE001
        rec['error'] = repr(e)[:200]
        return rec
    rec['status'] = status
    rec['content_type'] = ctype
    try:
        data = json.loads(body)
    except ValueError:
        rec['body_head'] = body[:200].decode('utf-8', 'replace')
        return rec
    if not isinstance(data, dict):
        rec['json_type'] = type(data).__name__
        return rec
    rec['top_keys'] = sorted(data)
    rec['top_values'] = {k: data[k] for k in ('type', 'version', 'attribution', 'licence',
                                              'limit', 'query', 'filters', 'center',
                                              'code', 'message', 'detail', 'title')
                         if k in data and not isinstance(data[k], (list,)) }
    feats = data.get('features')
    if isinstance(feats, list):
        rec['n_features'] = len(feats)
        pk = set()
        types = collections.Counter()
        for ft in feats:
            pk.update((ft.get('properties') or {}).keys())
            types[(ft.get('geometry') or {}).get('type')] += 1
            rec.setdefault('feature_keys', sorted(ft))
        rec['property_keys'] = sorted(pk)
        rec['geometry_types'] = dict(types)
        if feats:
            p = feats[0].get('properties') or {}
            rec['top1'] = {k: p.get(k) for k in ('id', 'type', 'label', 'score', 'housenumber',
                                                  'postcode', 'citycode', 'city', 'context',
                                                  'distance')}
            rec['top1_value_types'] = {k: type(v).__name__ for k, v in p.items()}
    return rec


def cmd_fetch(args):
    out = [dict(kind=k, **fetch_one(args.base, p)) for k, p in requests_list(args.qdir, args.n)]
    with open(args.out, 'w', encoding='utf-8') as f:
        json.dump(out, f, ensure_ascii=False)


def cmd_diff(args):
    a = json.load(open(args.a, encoding='utf-8'))
    b = json.load(open(args.b, encoding='utf-8'))
    rep = {'requests': len(a), 'status_diff': [], 'errors': {'addok': 0, 'ours': 0},
           'content_types': {'addok': collections.Counter(), 'ours': collections.Counter()},
           'top_keys_only_addok': collections.Counter(), 'top_keys_only_ours': collections.Counter(),
           'property_keys_only_addok': collections.Counter(),
           'property_keys_only_ours': collections.Counter(),
           'value_type_diff': collections.Counter(),
           'top_value_diff': collections.Counter(), 'top_value_examples': {},
           'n_features_diff': [], 'top1_same_id': 0, 'top1_compared': 0,
           'top1_type_diff': collections.Counter()}
    for ra, rb in zip(a, b):
        assert ra['path'] == rb['path']
        for side, r in (('addok', ra), ('ours', rb)):
            if 'error' in r:
                rep['errors'][side] += 1
            rep['content_types'][side][str(r.get('content_type'))] += 1
        if ra.get('status') != rb.get('status'):
            rep['status_diff'].append({'path': ra['path'], 'addok': ra.get('status'),
                                       'ours': rb.get('status'),
                                       'ours_body': rb.get('top_values') or rb.get('body_head')})
            continue
        ka, kb = set(ra.get('top_keys', [])), set(rb.get('top_keys', []))
        for k in ka - kb:
            rep['top_keys_only_addok'][k] += 1
        for k in kb - ka:
            rep['top_keys_only_ours'][k] += 1
        for k, va in (ra.get('top_values') or {}).items():
            vb = (rb.get('top_values') or {}).get(k)
            if k in (rb.get('top_values') or {}) and va != vb and k not in ('query',):
                rep['top_value_diff'][k] += 1
                rep['top_value_examples'].setdefault(k, {'path': ra['path'], 'addok': va,
                                                         'ours': vb})
        if ra.get('n_features') and rb.get('n_features') is not None:
            pa, pb = set(ra.get('property_keys', [])), set(rb.get('property_keys', []))
            if rb.get('n_features'):
                for k in pa - pb:
                    rep['property_keys_only_addok'][k] += 1
                for k in pb - pa:
                    rep['property_keys_only_ours'][k] += 1
                ta, tb = ra.get('top1_value_types', {}), rb.get('top1_value_types', {})
                for k in set(ta) & set(tb):
                    if ta[k] != tb[k] and not {ta[k], tb[k]} <= {'int', 'float'}:
                        rep['value_type_diff']['{}: addok {} / ours {}'.format(k, ta[k], tb[k])] += 1
                rep['top1_compared'] += 1
                rep['top1_same_id'] += ra['top1'].get('id') == rb['top1'].get('id')
                if ra['top1'].get('type') != rb['top1'].get('type'):
                    rep['top1_type_diff']['{} -> {}'.format(ra['top1'].get('type'),
                                                            rb['top1'].get('type'))] += 1
        if ra.get('n_features') != rb.get('n_features'):
            rep['n_features_diff'].append({'path': ra['path'], 'addok': ra.get('n_features'),
                                           'ours': rb.get('n_features')})
    rep['n_features_diff_count'] = len(rep['n_features_diff'])
    rep['n_features_diff'] = rep['n_features_diff'][:10]
    json.dump(rep, sys.stdout, ensure_ascii=False, indent=1, default=dict)
    print()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    f = sub.add_parser('fetch')
    f.add_argument('--base', required=True)
    f.add_argument('--qdir', required=True)
    f.add_argument('--out', required=True)
    f.add_argument('--n', type=int, default=60)
    d = sub.add_parser('diff')
    d.add_argument('a')
    d.add_argument('b')
    args = ap.parse_args(argv)
    (cmd_fetch if args.cmd == 'fetch' else cmd_diff)(args)


if __name__ == '__main__':
    main()
