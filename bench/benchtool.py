#!/usr/bin/env python3
"""Small helpers for bench/http_bench.sh (stdlib only). Subcommands:

  paths QDIR                      search-paths.txt / reverse-paths.txt (exactly as the addok
                                  harness writes them) and health-paths.txt in QDIR
  meta OUT RUN_ID LABEL DATASET BIN SHARED INPUT...
                                  run metadata (machine, git, binary, config) -> OUT
  emit META OUT PHASE PAYLOAD [--cpu KEY A B]... [--attach KEY FILE]...
                                  append one JSON line per metrics object of PAYLOAD (a file of
                                  JSON lines, or a JSON string) = META + phase + metrics, with
                                  cpuwatch deltas and attached JSON files added to the metrics
  wrk PATH KIND CONNS DURATION REPEAT QUERY_FILE [SERVER_CPU_TICKS]
                                  metrics of one wrk run (wrk_paths.lua summary, + the server's
                                  CPU time when given) -> stdout
  csv-stats OUT_CSV HTTP_CODE WALL_S [PART0 PART1 CODE0 CODE1 PAR_WALL_S]
                                  batch CSV metrics (rows, found, top-1 exact id) -> stdout
  sha256 FILE...                  {file: sha256} -> stdout
"""
import csv
import datetime
import hashlib
import json
import os
import platform
import subprocess
import statistics
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))


def sh(cmd, cwd=None):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=30,
                              cwd=cwd).stdout.strip()
    except Exception as e:  # noqa: BLE001
        return repr(e)


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            h.update(block)
    return h.hexdigest()


def cmd_paths(qdir):
    # Same transformation as addok_bench.sh (quote_plus of the mix lines; lat/lon as written).
    with open(os.path.join(qdir, 'search-mix.txt'), encoding='utf-8') as f, \
            open(os.path.join(qdir, 'search-paths.txt'), 'w') as o:
        for line in f:
            q = line.rstrip('\n')
            if q:
                o.write('/search?q=' + urllib.parse.quote_plus(q) + '\n')
    with open(os.path.join(qdir, 'reverse-points.tsv')) as f, \
            open(os.path.join(qdir, 'reverse-paths.txt'), 'w') as o:
        for line in f:
            lat, lon = line.split()
            o.write('/reverse?lat={}&lon={}\n'.format(lat, lon))
    with open(os.path.join(qdir, 'health-paths.txt'), 'w') as o:
        o.write('/health\n')


def cmd_meta(out, run_id, label, dataset, binary, shared, *inputs):
    repo = os.path.dirname(HERE)
    mem = sh("awk '/MemTotal/{print $2}' /proc/meminfo")
    osr = dict(l.split('=', 1) for l in open('/etc/os-release').read().split('\n') if '=' in l)
    meta = {
        'run_id': run_id,
        'date': datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
        'label': label,
        'tool': 'geocommun',
        'machine': {
            'hostname': platform.node(),
            'cpus': os.cpu_count(),
            'cpu_model': sh("lscpu | sed -n 's/^Model name: *//p' | head -1"),
            'mem_total_kb': int(mem) if mem.isdigit() else mem,
            'kernel': platform.release(),
            'os': osr.get('PRETTY_NAME', '').strip('"'),
            'wrk': sh("wrk -v 2>&1 | head -1"),
        },
        'geocommun': {
            'binary': os.path.abspath(binary),
            'binary_sha256': sha256(binary),
            'binary_mtime': datetime.datetime.fromtimestamp(
                os.path.getmtime(binary), datetime.timezone.utc).isoformat(timespec='seconds'),
            'version': sh('"{}" --version'.format(binary)),
            'git_head': sh('git rev-parse HEAD', cwd=repo),
            'git_dirty_files': len([l for l in sh('git status --porcelain --untracked-files=no',
                                                  cwd=repo).splitlines() if l.strip()]),
        },
        'config': {'dataset': dataset, 'shared': os.path.abspath(shared),
                   'wrk_duration_s': int(os.environ.get('DURATION', '20')),
                   'seed': int(os.environ.get('SEED', '42')),
                   'wrk_threads': 1},
        'loadavg_at_start': open('/proc/loadavg').read().split()[:3],
        'dataset': {'name': dataset,
                    'inputs': [{'path': os.path.abspath(p), 'bytes': os.path.getsize(p)}
                               for p in inputs]},
    }
    with open(out, 'w') as f:
        json.dump(meta, f)


def cpu_delta(a, b):
    tool = os.path.join(os.environ['HARNESS'], 'cpuwatch.py')
    r = subprocess.run([sys.executable, tool, 'delta', a, b], capture_output=True, text=True,
                       check=True)
    return json.loads(r.stdout)


def cmd_emit(meta_path, out, phase, payload, *rest):
    meta = json.load(open(meta_path))
    if os.path.exists(payload):
        text = open(payload, encoding='utf-8').read()
        try:
            lines = [json.loads(text)]             # one JSON document (possibly indented)
        except ValueError:
            lines = [json.loads(l) for l in text.splitlines() if l.strip()]   # JSON lines
    else:
        lines = [json.loads(payload)]
    extra = {}
    rest = list(rest)
    while rest:
        opt = rest.pop(0)
        if opt == '--cpu':
            key, a, b = rest.pop(0), rest.pop(0), rest.pop(0)
            extra[key] = cpu_delta(a, b)
        elif opt == '--attach':
            key, path = rest.pop(0), rest.pop(0)
            try:
                extra[key] = json.load(open(path))
            except (OSError, ValueError):
                extra[key] = None
        else:
            sys.exit('emit: unknown option ' + opt)
    with open(out, 'a') as f:
        for m in lines:
            m.update(extra)
            rec = dict(meta)
            rec['phase'] = phase
            rec['metrics'] = m
            f.write(json.dumps(rec, ensure_ascii=False) + '\n')


def cmd_wrk(path, kind, conns, duration, repeat, query_file, server_ticks=None):
    m = json.load(open(path))
    m.update({'endpoint': kind, 'connections': int(conns), 'wrk_threads': 1,
              'duration_s': int(duration), 'repeat': int(repeat), 'query_file': query_file})
    if server_ticks not in (None, ''):
        # CPU time (user + system, all threads) of the server process during the run
        cpu_s = int(server_ticks) / os.sysconf('SC_CLK_TCK')
        m['server_cpu_s'] = round(cpu_s, 2)
        m['server_cpu_pct_of_machine'] = round(100 * cpu_s / (m['duration_us'] / 1e6) / os.cpu_count(), 1)
        m['server_cpu_us_per_request'] = round(1e6 * cpu_s / m['requests'], 1) if m['requests'] else None
    print(json.dumps(m))


def csv_stats(path):
    n = hit = found = 0
    with open(path, encoding='utf-8-sig', newline='') as f:
        for row in csv.DictReader(f):
            n += 1
            if row.get('result_id'):
                found += 1
                hit += row['result_id'].lower() == (row.get('expected_id') or '').lower()
    return n, found, hit


def cmd_csv_stats(out_csv, code, wall, *par):
    ok = code == '200' and os.path.exists(out_csv)
    n, found, hit = csv_stats(out_csv) if ok else (0, 0, 0)
    # `wall`: one time, or the times of repeated requests, comma-separated (median taken).
    walls = [float(w) for w in wall.split(',')]
    wall = statistics.median(walls)
    m = {'rows': n, 'http_code': int(code or 0), 'wall_s': wall, 'wall_s_all': walls,
         'rows_per_s': round(n / float(wall), 1) if n else None,
         'found_rate': round(found / n, 4) if n else None,
         'top1_exact_id_rate': round(hit / n, 4) if n else None,
         'columns': ['adresse', 'code_postal', 'commune'], 'delimiter': ',', 'quote': '"'}
    if par:
        p0, p1, c0, c1, pwall = par
        pn = 0
        for p, c in ((p0, c0), (p1, c1)):
            if c == '200' and os.path.exists(p):
                pn += csv_stats(p)[0]
        m['parallel2'] = {'rows': pn, 'http_codes': [int(c0 or 0), int(c1 or 0)],
                          'wall_s': float(pwall),
                          'rows_per_s': round(pn / float(pwall), 1) if pn else None}
    print(json.dumps(m))


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd, args = argv[1], argv[2:]
    if cmd == 'paths':
        cmd_paths(*args)
    elif cmd == 'meta':
        cmd_meta(*args)
    elif cmd == 'emit':
        cmd_emit(*args)
    elif cmd == 'wrk':
        cmd_wrk(*args)
    elif cmd == 'csv-stats':
        cmd_csv_stats(*args)
    elif cmd == 'sha256':
        print(json.dumps({os.path.basename(p): sha256(p) for p in args}))
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main(sys.argv)
