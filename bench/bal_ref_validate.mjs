#!/usr/bin/env node
// Times the reference validator's validate() on one file, in-process (library loaded first),
// offline. Prints {validate_ms, valid, findings}.   node bench/bal_ref_validate.mjs DIR FILE
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const [dir, file] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(dir), 'package.json'));
globalThis.fetch = async () => {
  throw new Error('offline');
};
console.error = () => {};
const bal = require('@ban-team/validateur-bal');
const buf = await readFile(file);
const t0 = performance.now();
const report = await bal.validate(buf, {});
const ms = performance.now() - t0;
const findings = report.rows ? report.rows.reduce((n, r) => n + r.errors.length, 0) : 0;
const valid = report.parseOk && !report.profilErrors.some((e) => e.level === 'E');
process.stdout.write(JSON.stringify({ validate_ms: Math.round(ms), valid, findings }) + '\n');
