#!/usr/bin/env python3
"""geocommun vs addok, from the JSON lines of one bench/http_bench.sh run.

Usage: python3 bench/compare.py RUN_DIR [--json OUT.json] [--md OUT.md]

Reads RUN_DIR/addok/addok-*.jsonl (the addok harness), RUN_DIR/addok-rel-*.jsonl (addok's
accuracy on bench/relevance_queries.py files), RUN_DIR/addok-paired-*.jsonl (addok's wrk runs
made right before each of ours, paired mode) and RUN_DIR/geocommun-*.jsonl, prints markdown
tables (ratios first, then absolute numbers) and the issue's targets with pass / FAIL.

With paired runs, the HTTP targets use them: each repeat of ours has an addok repeat of the same
configuration measured the minute before, so the ratio of the medians is not moved by host
drift between the harness's phase and ours (minutes apart). The harness's figures are shown
beside them.
"""
import argparse
import glob
import json
import os
import statistics
import sys

RULES = ['clean', 'typo', 'noaccent', 'abbrev', 'nopostcode', 'numafter', 'merged', 'all', 'all4']
TARGET_RULES = ['clean', 'typo', 'noaccent', 'abbrev', 'nopostcode', 'numafter', 'merged', 'all']
NOISY_FOREIGN_PCT = 10.0


def load(pattern):
    recs = []
    for p in sorted(glob.glob(pattern)):
        recs += [json.loads(l) for l in open(p, encoding='utf-8') if l.strip()]
    return recs


def wrk_stats(ms):
    med = statistics.median
    return {
        'n': len(ms),
        'rps': med([m['rps'] for m in ms]),
        'rps_all': [m['rps'] for m in ms],
        'p50': med([m['latency_ms']['p50'] for m in ms]),
        'p90': med([m['latency_ms']['p90'] for m in ms]),
        'p99': med([m['latency_ms']['p99'] for m in ms]),
        'p999': med([m['latency_ms']['p999'] for m in ms]),
        'max': max(m['latency_ms']['max'] for m in ms),
        'errors': sum(sum(m['errors'].values()) for m in ms),
        'requests': sum(m['requests'] for m in ms),
        'foreign_pct': [(m.get('cpu') or {}).get('foreign_pct_of_machine') for m in ms],
        'foreign_pct_max': max((m.get('cpu') or {}).get('foreign_pct_of_machine', 0) for m in ms),
        'server_cpu_us_per_request': (med([m['server_cpu_us_per_request'] for m in ms])
                                      if all(m.get('server_cpu_us_per_request') for m in ms) else None),
        'server_cpu_pct_of_machine': (med([m['server_cpu_pct_of_machine'] for m in ms])
                                      if all(m.get('server_cpu_pct_of_machine') is not None for m in ms) else None),
    }


def wrk_groups(recs):
    """Per (endpoint, connections): medians over the repeats run while foreign CPU was
    <= NOISY_FOREIGN_PCT of the machine when there is at least one such repeat ('used' =
    'quiet'), else over all repeats ('used' = 'all', flagged); 'all' keeps every repeat."""
    g = {}
    for r in recs:
        if r['phase'] in ('search', 'reverse', 'health'):
            m = r['metrics']
            g.setdefault((r['phase'], m['connections']), []).append(m)
    out = {}
    for k, ms in g.items():
        quiet = [m for m in ms
                 if (m.get('cpu') or {}).get('foreign_pct_of_machine', 0) <= NOISY_FOREIGN_PCT]
        st = wrk_stats(quiet or ms)
        st['used'] = 'quiet' if quiet else 'all'
        st['n_total'] = len(ms)
        st['all_repeats'] = wrk_stats(ms)
        out[k] = st
    return out


def accuracy(recs, params='limit=1&autocomplete=0'):
    return {r['metrics']['rule']: r['metrics'] for r in recs
            if r['phase'] == 'accuracy' and r['metrics'].get('params') == params}


def phase(recs, name):
    for r in recs:
        if r['phase'] == name:
            return r['metrics']
    return None


def per_query(path_a, path_o):
    """Joins the two accuracy detail files on (qid, rule): who found the exact id."""
    if not (os.path.exists(path_a) and os.path.exists(path_o)):
        return None

    def read(p):
        out = {}
        with open(p, encoding='utf-8') as f:
            next(f)
            for line in f:
                c = line.rstrip('\n').split('\t')
                if len(c) >= 8:
                    out[(c[0], c[1])] = c
        return out
    a, o = read(path_a), read(path_o)
    res = {}
    for key, ca in a.items():
        co = o.get(key)
        if not co:
            continue
        ha = ca[4].lower() == ca[3].lower() and ca[4] != ''
        ho = co[4].lower() == co[3].lower() and co[4] != ''
        r = res.setdefault(key[1], {'both': 0, 'only_addok': 0, 'only_ours': 0, 'neither': 0,
                                    'only_addok_examples': []})
        k = 'both' if ha and ho else 'only_addok' if ha else 'only_ours' if ho else 'neither'
        r[k] += 1
        if k == 'only_addok' and len(r['only_addok_examples']) < 15:
            r['only_addok_examples'].append({'query': co[2], 'expected': co[3], 'ours': co[4],
                                             'ours_label': co[5], 'ours_distance_m': co[6]})
    return res


def qn(st):
    if not st:
        return '—'
    return '{}/{}{}'.format(st['n'] if st['used'] == 'quiet' else 0, st['n_total'],
                            '' if st['used'] == 'quiet' else ' (noisy!)')


def fp(st):
    if not st:
        return '—'
    return ','.join('{:.0f}'.format(x) for x in st['all_repeats']['foreign_pct'] if x is not None)


def fmt(x, nd=1):
    if x is None:
        return 'n/a'
    if isinstance(x, float) and x == float('inf'):
        return '∞'
    if abs(x) >= 1000:
        return '{:,.0f}'.format(x)
    return '{:.{}f}'.format(x, nd)


def ratio(a, b):
    if a is None or b is None:
        return None
    if b == 0:
        return float('inf') if a > 0 else None
    return a / b


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument('run_dir')
    ap.add_argument('--json')
    ap.add_argument('--md')
    args = ap.parse_args(argv)
    d = args.run_dir
    addok = load(os.path.join(d, 'addok', 'addok-*.jsonl'))
    addok_rel = load(os.path.join(d, 'addok-rel-*.jsonl'))
    ours = load(os.path.join(d, 'geocommun-*.jsonl'))
    paired = load(os.path.join(d, 'addok-paired-*.jsonl'))
    if not ours:
        sys.exit('no geocommun-*.jsonl in ' + d)
    wo = wrk_groups(ours)
    wh = wrk_groups(addok)  # the harness's addok phase
    wa = dict(wh)
    wa.update(wrk_groups(paired))  # paired runs, where there are, replace it for the ratios
    lines = []
    P = lines.append
    summary = {'run_dir': os.path.abspath(d), 'targets': [], 'throughput': {}, 'accuracy': {},
               'csv': {}, 'startup': {}, 'noisy_phases': []}
    o0 = ours[0]
    a0 = addok[0] if addok else {}
    summary['geocommun_run'] = {k: o0.get(k) for k in ('run_id', 'date', 'label', 'geocommun',
                                                         'machine', 'dataset')}
    summary['addok_run'] = {k: a0.get(k) for k in ('run_id', 'date', 'label', 'versions', 'config')}

    # ---------------------------------------------------------------- targets
    targets = []

    def target(name, value, goal, ok, note=''):
        targets.append({'target': name, 'value': value, 'goal': goal, 'pass': ok, 'note': note})

    s8a, s8o = wa.get(('search', 8)), wo.get(('search', 8))
    if s8a and s8o:
        r = ratio(s8o['rps'], s8a['rps'])
        target('search req/s, c=8', r, 200, r is not None and r >= 200)
        r = ratio(s8a['p99'], s8o['p99'])
        target('search p99, c=8 (addok p99 / ours)', r, 100, r is not None and r >= 100)
    for c in (8, 1):
        ra, ro = wa.get(('reverse', c)), wo.get(('reverse', c))
        if ra and ro:
            r = ratio(ro['rps'], ra['rps'])
            target('reverse req/s, c={}'.format(c), r, 100, r is not None and r >= 100)
    ca, co = phase(addok, 'csv'), phase(ours, 'csv')
    if ca and co:
        r = ratio(co.get('rows_per_s'), ca.get('rows_per_s'))
        target('CSV rows/s, 1 request', r, 200, r is not None and r >= 200)
    acc_a = accuracy(addok_rel)
    acc_h = accuracy(addok)
    acc_o = accuracy(ours)
    for rule in TARGET_RULES:
        ma, mo = acc_a.get(rule), acc_o.get(rule)
        if not (ma and mo):
            continue
        ea, eo = 1 - ma['top1_exact_id_rate'], 1 - mo['top1_exact_id_rate']
        r = ratio(ea, eo)
        ok = eo <= ea / 3 + 1e-12
        target('top-1 error, {} (addok err / ours)'.format(rule), r, 3, ok,
               'addok {:.2f} % vs ours {:.2f} %'.format(100 * ea, 100 * eo))
    summary['targets'] = targets

    P('### Targets (ratios, same run, same machine, same data, same queries)\n')
    if paired:
        P('HTTP load ratios from **paired** runs: addok\'s wrk run (its second instance, same '
          'config) right before each of ours.\n')
    P('| target | ratio | goal | |')
    P('| --- | ---: | ---: | --- |')
    for t in targets:
        P('| {} | {} | ≥ {}× | {}{} |'.format(t['target'], fmt(t['value']) + '×' if t['value'] is not None else 'n/a (both 0)', t['goal'],
                                              'pass' if t['pass'] else '**FAIL**',
                                              ' (' + t['note'] + ')' if t['note'] else ''))
    P('')

    # ---------------------------------------------------------------- throughput
    P('### HTTP load (wrk -t1; median over the repeats with foreign CPU <= {:.0f} % of the machine, '
      'all repeats if none; latencies in ms)\n'.format(NOISY_FOREIGN_PCT))
    P('| endpoint | c | addok req/s | ours req/s | req/s ratio | addok p50 / p99 | ours p50 / p99 | p99 ratio (addok/ours) | quiet repeats a/o | errors a/o | foreign CPU % per repeat a / o |')
    P('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
    for kind in ('search', 'reverse', 'health'):
        for c in sorted({k[1] for k in list(wa) + list(wo) if k[0] == kind}):
            a, o = wa.get((kind, c)), wo.get((kind, c))
            summary['throughput']['{}-c{}'.format(kind, c)] = {'addok': a, 'ours': o}
            P('| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |'.format(
                '/health (ceiling)' if kind == 'health' else '/' + kind, c,
                fmt(a['rps']) if a else '—', fmt(o['rps']) if o else '—',
                (fmt(ratio(o['rps'], a['rps'])) + '×') if a and o else '—',
                '{} / {}'.format(fmt(a['p50'], 2), fmt(a['p99'], 2)) if a else '—',
                '{} / {}'.format(fmt(o['p50'], 3), fmt(o['p99'], 3)) if o else '—',
                (fmt(ratio(a['p99'], o['p99'])) + '×') if a and o else '—',
                '{} / {}'.format(qn(a), qn(o)),
                '{}/{}'.format(a['all_repeats']['errors'] if a else '—', o['all_repeats']['errors'] if o else '—'),
                '{} / {}'.format(fp(a), fp(o))))
    if paired and wh:
        P('\naddok\'s own harness phase, minutes earlier in the same run (not used for the ratios '
          'above): ' + '; '.join('{} c={} {} req/s, p99 {} ms (paired: {} req/s, p99 {} ms)'.format(
              k[0], k[1], fmt(v['rps']), fmt(v['p99'], 2), fmt(wa[k]['rps']) if k in wa else '—',
              fmt(wa[k]['p99'], 2) if k in wa else '—') for k, v in sorted(wh.items())) + '.')
        summary['throughput_addok_harness'] = {'{}-c{}'.format(*k): v for k, v in wh.items()}
        pr = []
        for k in sorted(wo):
            if k not in wa or k[0] == 'health':
                continue
            ours_by_rep = {m['metrics']['repeat']: m['metrics']['rps'] for m in ours
                           if m['phase'] == k[0] and m['metrics']['connections'] == k[1]}
            addok_by_rep = {m['metrics']['repeat']: m['metrics']['rps'] for m in paired
                            if m['phase'] == k[0] and m['metrics']['connections'] == k[1]}
            rs = [ours_by_rep[r] / addok_by_rep[r] for r in sorted(ours_by_rep) if addok_by_rep.get(r)]
            if rs:
                pr.append('{} c={}: {}'.format(k[0], k[1], ', '.join(fmt(x) + '×' for x in rs)))
        if pr:
            P('\nRatio of each pair (ours / addok, repeat by repeat): ' + '; '.join(pr) + '.')
    cpu_lines = ['{} c={}: {} µs of server CPU per request, server at {} % of the machine'.format(
        k[0], k[1], fmt(v['server_cpu_us_per_request']), fmt(v['server_cpu_pct_of_machine']))
        for k, v in sorted(wo.items()) if v.get('server_cpu_us_per_request')]
    acpu = ['{} c={}: {} µs'.format(k[0], k[1], fmt(v['server_cpu_us_per_request']))
            for k, v in sorted(wa.items()) if paired and v.get('server_cpu_us_per_request')]
    if acpu:
        P('\naddok\'s server CPU per request (redis + gunicorn master and workers, paired runs): '
          + '; '.join(acpu) + '.')
    if cpu_lines:
        P('\nOur server\'s own CPU time during the runs (utime + stime of its process, medians): ' + '; '.join(cpu_lines) + '.')
    h8, s8 = wo.get(('health', 8)), wo.get(('search', 8))
    if h8 and s8:
        P('\nOur /search at c=8 runs at {:.0f} % of our /health ceiling ({} req/s): above ~70 % the '
          'client (wrk, one thread on the same 2 cores) is what limits the figure.'.format(
              100 * s8['rps'] / h8['rps'], fmt(h8['rps'])))
    P('')

    # ---------------------------------------------------------------- CSV
    if ca or co:
        P('### Batch CSV (POST /search/csv/, same 20,000-row file: adresse, code_postal, commune)\n')
        P('| | addok | ours | ratio |')
        P('| --- | ---: | ---: | ---: |')
        g = lambda m, k: (m or {}).get(k)
        P('| rows/s, 1 request | {} | {} | {}× |'.format(fmt(g(ca, 'rows_per_s')), fmt(g(co, 'rows_per_s')),
                                                       fmt(ratio(g(co, 'rows_per_s'), g(ca, 'rows_per_s')))))
        pa, po = g(ca, 'parallel2') or {}, g(co, 'parallel2') or {}
        P('| rows/s, 2 halves in parallel | {} | {} | {}× |'.format(
            fmt(pa.get('rows_per_s')), fmt(po.get('rows_per_s')),
            fmt(ratio(po.get('rows_per_s'), pa.get('rows_per_s')))))
        P('| wall time, 1 request (s) | {} | {}{} | |'.format(
            fmt(g(ca, 'wall_s'), 2), fmt(g(co, 'wall_s'), 3),
            ' (median of {})'.format(', '.join(fmt(w, 3) for w in co['wall_s_all']))
            if co and len(co.get('wall_s_all') or []) > 1 else ''))
        P('| HTTP status / rows out | {} / {} | {} / {} | |'.format(g(ca, 'http_code'), g(ca, 'rows'),
                                                               g(co, 'http_code'), g(co, 'rows')))
        P('| found / top-1 exact id | {} / {} | {} / {} | |'.format(
            g(ca, 'found_rate'), g(ca, 'top1_exact_id_rate'), g(co, 'found_rate'), g(co, 'top1_exact_id_rate')))
        P('')
        summary['csv'] = {'addok': ca, 'ours': co}

    # ---------------------------------------------------------------- accuracy
    P('### Relevance (top-1 exact id, `limit=1&autocomplete=0`, accuracy.py over HTTP)\n')
    P('| rule | n | addok top-1 | ours top-1 | addok error | ours error | error ratio | addok ≤50 m | ours ≤50 m | ours not found |')
    P('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
    for rule in RULES:
        ma, mo = acc_a.get(rule), acc_o.get(rule)
        if not (ma or mo):
            continue
        ea = None if not ma else 1 - ma['top1_exact_id_rate']
        eo = None if not mo else 1 - mo['top1_exact_id_rate']
        summary['accuracy'][rule] = {'addok': ma, 'ours': mo}
        pct = lambda x: 'n/a' if x is None else '{:.2f} %'.format(100 * x)
        r = ratio(ea, eo)
        P('| {}{} | {} | {} | {} | {} | {} | {} | {} | {} | {} |'.format(
            rule, ' (harness "all")' if rule == 'all4' else '', (mo or ma)['n'],
            pct(ma and ma['top1_exact_id_rate']), pct(mo and mo['top1_exact_id_rate']),
            pct(ea), pct(eo), ('∞' if r == float('inf') else fmt(r, 2) + '×') if r is not None else 'n/a',
            pct(ma and ma['within_50m_rate']), pct(mo and mo['within_50m_rate']),
            pct(mo and mo['not_found_rate'])))
    ad = accuracy(ours, 'limit=1')
    aad = accuracy(addok, 'limit=1')
    if ad.get('clean') or aad.get('clean'):
        P('| clean, API defaults (autocomplete on) | {} | {} | {} | | | | | | |'.format(
            (ad.get('clean') or aad.get('clean'))['n'],
            'n/a' if not aad.get('clean') else '{:.2f} %'.format(100 * aad['clean']['top1_exact_id_rate']),
            'n/a' if not ad.get('clean') else '{:.2f} %'.format(100 * ad['clean']['top1_exact_id_rate'])))
    # cross-check: the harness's own accuracy phase on its (identical) query files
    mism = []
    for rule, hrule in (('clean', 'clean'), ('typo', 'typo'), ('noaccent', 'noaccent'),
                        ('abbrev', 'abbrev'), ('nopostcode', 'nopostcode'), ('all4', 'all')):
        if acc_h.get(hrule) and acc_a.get(rule):
            x, y = acc_h[hrule]['top1_exact_id_rate'], acc_a[rule]['top1_exact_id_rate']
            if abs(x - y) > 1e-9:
                mism.append('{}: harness {:.4f} vs relevance files {:.4f}'.format(rule, x, y))
    summary['addok_accuracy_crosscheck_mismatches'] = mism
    if acc_h:
        P('\nCross-check: addok top-1 on the harness\'s own accuracy phase vs on the relevance files: {}'.format(
            'identical for clean/typo/noaccent/abbrev/nopostcode/all' if not mism else '; '.join(mism)))
    ev = [r['metrics'] for r in ours if r['phase'] == 'eval']
    if ev:
        P('\nIn-process `geocommun eval` (cross-check): ' + ', '.join(
            '{} {:.2f} %'.format(m['rule'], m['top1_pct']) for m in ev))
    P('')

    # ---------------------------------------------------------------- startup / memory
    imp = phase(addok, 'import')
    st = phase(ours, 'startup')
    mem_a = phase(addok, 'memory')
    mem_o = phase(ours, 'memory')
    P('### Load time and memory\n')
    P('| | addok | ours |')
    P('| --- | ---: | ---: |')
    if imp or st:
        P('| data load (addok: ban2addok convert + batch + ngrams; ours: serve start until /health answers) | {} s | {} s |'.format(
            fmt(imp and imp['convert_s'] + imp['import_s']), fmt(st and st['startup_s'], 2)))
    if mem_a or mem_o or imp:
        addok_mb = None
        if mem_a:
            addok_mb = ((mem_a['gunicorn_workers_rss_kb'] + mem_a['gunicorn_master_rss_kb']) / 1024
                        + mem_a['redis_used_memory_rss_after'] / 1048576)
        P('| resident memory after load (addok: 2 workers + master + redis RSS) | {} MB | {} MB |'.format(
            fmt(addok_mb), fmt(mem_o and mem_o['rss_kb'] / 1024)))
    if st:
        summary['startup'] = {'addok_import': imp, 'ours': st, 'ours_memory': mem_o, 'addok_memory': mem_a}
    P('')

    # ---------------------------------------------------------------- per-query comparison
    det = per_query(os.path.join(d, 'accuracy-details-addok.tsv'),
                    os.path.join(d, 'accuracy-details-geocommun.tsv'))
    if det:
        summary['per_query'] = det
        P('### Per query: who finds the exact id\n')
        P('| rule | both | only addok | only ours | neither |')
        P('| --- | ---: | ---: | ---: | ---: |')
        for rule in RULES:
            c = det.get(rule)
            if c:
                P('| {} | {} | {} | {} | {} |'.format(rule, c['both'], c['only_addok'], c['only_ours'], c['neither']))
        P('')

    # ---------------------------------------------------------------- contract
    contract = phase(ours, 'contract')
    if contract:
        summary['contract'] = contract
        P('### Contract probe ({} identical requests to both servers)\n'.format(contract.get('requests')))
        P('* status differences: {}'.format('; '.join(
            '`{}` addok {} / ours {}'.format(x['path'], x['addok'], x['ours'])
            for x in contract.get('status_diff', [])) or 'none'))
        for key, what in (('top_keys_only_addok', 'top-level keys only in addok'),
                          ('top_keys_only_ours', 'top-level keys only in ours'),
                          ('property_keys_only_addok', 'feature properties only in addok'),
                          ('property_keys_only_ours', 'feature properties only in ours'),
                          ('value_type_diff', 'property value types differing'),
                          ('top_value_diff', 'top-level values differing'),
                          ('top1_type_diff', 'top-1 result type differing')):
            v = contract.get(key) or {}
            P('* {}: {}'.format(what, ', '.join('`{}` ×{}'.format(k, n) for k, n in sorted(
                v.items(), key=lambda kv: -kv[1])) or 'none'))
        P('* content types: addok {}, ours {}'.format(
            contract.get('content_types', {}).get('addok'), contract.get('content_types', {}).get('ours')))
        P('* top-1 same id: {} / {}; feature counts differ on {} requests'.format(
            contract.get('top1_same_id'), contract.get('top1_compared'), contract.get('n_features_diff_count')))
        P('')

    # ---------------------------------------------------------------- noise
    noisy = {}
    for src, recs in (('addok', addok), ('addok-rel', addok_rel), ('addok-paired', paired), ('ours', ours)):
        for r in recs:
            c = r['metrics'].get('cpu') if isinstance(r['metrics'], dict) else None
            if c and c.get('foreign_pct_of_machine', 0) > NOISY_FOREIGN_PCT:
                key = '{} {}{}'.format(src, r['phase'], ' c={}'.format(r['metrics']['connections'])
                                       if 'connections' in r['metrics'] else '')
                noisy[key] = max(noisy.get(key, 0), c['foreign_pct_of_machine'])
    summary['noisy_phases'] = noisy
    P('Phases with foreign CPU > {:.0f} % of the machine (max over repeats): {}'.format(
        NOISY_FOREIGN_PCT, ', '.join('{} {} %'.format(k, v) for k, v in noisy.items()) if noisy else 'none'))

    text = '\n'.join(lines)
    print(text)
    if args.md:
        with open(args.md, 'w', encoding='utf-8') as f:
            f.write(text + '\n')
    if args.json:
        with open(args.json, 'w', encoding='utf-8') as f:
            json.dump(summary, f, ensure_ascii=False, indent=1, default=str)


if __name__ == '__main__':
    main()
