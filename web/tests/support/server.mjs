// Starts the real `geocommun serve` for the browser tests: Paris (BAN 2024) and Bondy (BAN
// R export) from the shared data, a fresh SQLite store in a temporary folder with Bondy's
// mairie e-mail imported by `geocommun directory import`, habilitation codes sent to the
// given SMTP port without TLS, listening on a free port of 127.0.0.1.

import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
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

export async function startServer({ smtpPort }) {
  const bin = binary();
  const data = dataDir();
  const work = mkdtempSync(path.join(tmpdir(), 'geocommun-ui-'));
  const store = `sqlite://${path.join(work, 'geocommun.db')}`;
  const directory = path.join(work, 'mairies.csv');
  writeFileSync(directory, `code_insee;email;nom\n93010;${MAIRIE_EMAIL};Bondy\n`);
  execFileSync(bin, ['directory', 'import', directory, '--store', store, '--data-dir', data], { stdio: 'pipe' });

  const inputs = [path.join(data, 'ban/ban-2024/adresses-75.csv.gz'), path.join(data, 'ban/other/93010-bondy-ban-r-export.csv.gz')];
  const args = [
    'serve',
    '--listen', '127.0.0.1:0',
    '--store', store,
    '--data-dir', data,
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
    const timer = setTimeout(() => reject(new Error(`geocommun serve did not start within 120 s:\n${log}`)), 120_000);
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
