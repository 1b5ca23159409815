// Starts the real `geocommun serve` for the browser tests: Paris (BAN 2024) and Bondy (BAN
// R export) from the shared data, a fresh SQLite store in a temporary folder with Bondy's
// mairie e-mail imported by `geocommun directory import`, habilitation codes sent to the
// given SMTP port without TLS, listening on a free port of 127.0.0.1.
//
// The administrative reference is the shared one (the whole COG, postcodes, centres…) with
// the commune contours of Paris and Seine-Saint-Denis only: building the contour tiles of the
// 34,867 communes takes ~20 s in a debug build, those of these two départements 0.1 s.

import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export const MAIRIE_EMAIL = 'mairie@ville-bondy.fr';

function binary() {
  if (process.env.GEOCOMMUN_BIN) return process.env.GEOCOMMUN_BIN;
  const target = process.env.CARGO_TARGET_DIR ? path.resolve(REPO, process.env.CARGO_TARGET_DIR) : path.join(REPO, 'target');
  for (const profile of ['debug', 'release']) {
    const p = path.join(target, profile, 'geocommun');
    if (existsSync(p)) return p;
  }
  throw new Error(`no geocommun binary under ${target}: run \`cargo build -p geocommun\` first (or set GEOCOMMUN_BIN)`);
}

export function dataDir() {
  return process.env.GEOCOMMUN_DATA_DIR ?? path.resolve(REPO, '../shared/data');
}

/** `<work>/admin`: links to the shared administrative reference, with the commune contours
 * of the given départements only. */
function adminSubset(data, work, departements) {
  const from = path.join(data, 'admin');
  const to = path.join(work, 'admin');
  mkdirSync(path.join(to, 'france-geojson', 'communes'), { recursive: true });
  for (const f of readdirSync(from)) {
    if (f !== 'france-geojson') symlinkSync(path.join(from, f), path.join(to, f));
  }
  for (const f of readdirSync(path.join(from, 'france-geojson'))) {
    if (f !== 'communes') symlinkSync(path.join(from, 'france-geojson', f), path.join(to, 'france-geojson', f));
  }
  const communes = path.join(from, 'france-geojson', 'communes');
  for (const f of readdirSync(communes)) {
    if (departements.some((d) => f.startsWith(`communes-${d}-`))) symlinkSync(path.join(communes, f), path.join(to, 'france-geojson', 'communes', f));
  }
  return to;
}

export async function startServer({ smtpPort }) {
  const bin = binary();
  const data = dataDir();
  const work = mkdtempSync(path.join(tmpdir(), 'geocommun-ui-'));
  const admin = adminSubset(data, work, ['75', '93']);
  const store = `sqlite://${path.join(work, 'geocommun.db')}`;
  const directory = path.join(work, 'mairies.csv');
  writeFileSync(directory, `code_insee;email;nom\n93010;${MAIRIE_EMAIL};Bondy\n`);
  execFileSync(bin, ['directory', 'import', directory, '--store', store, '--data-dir', data, '--admin-dir', admin], { stdio: 'pipe' });

  const inputs = [path.join(data, 'ban/ban-2024/adresses-75.csv.gz'), path.join(data, 'ban/other/93010-bondy-ban-r-export.csv.gz')];
  const args = [
    'serve',
    '--listen', '127.0.0.1:0',
    '--store', store,
    '--data-dir', data,
    '--admin-dir', admin,
    '--secret', 'geocommun-ui-tests-secret-0123456789',
    '--smtp-host', '127.0.0.1',
    '--smtp-port', String(smtpPort),
    '--smtp-no-tls',
    '--quiet',
    ...inputs,
  ];
  const started = Date.now();
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', RUST_LOG: process.env.RUST_LOG ?? 'info' } });
  let log = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`geocommun serve did not start within 180 s:\n${log}`)), 180_000);
    const onData = (chunk) => {
      log += chunk;
      const m = /serving on (http:\/\/127\.0\.0\.1:\d+)\//.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`geocommun serve exited with ${code}:\n${log}`));
    });
  });
  return {
    url,
    startMs: Date.now() - started,
    log: () => log,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => {
          const timer = setTimeout(() => {
            child.kill('SIGKILL');
            resolve();
          }, 10_000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      rmSync(work, { recursive: true, force: true });
    },
  };
}
