#!/usr/bin/env node
// Runs the reference validator (@ban-team/validateur-bal, pinned by package-lock.json and
// installed by bal.sh into target/parity) over many files in one process and prints one
// JSON line per file with what the parity test compares: the same fields as the shared
// wrapper validate.mjs (parseOk, profile, valid, findings {row, field, code, severity}),
// offline (fetch fails at once, like validate.mjs without --online).
//
//   node tests/parity/ref.mjs NODE_MODULES_DIR FILE...   (or file names on stdin)
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

const [dir, ...args] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(dir), 'package.json'));
globalThis.fetch = async () => {
  throw new Error('offline');
};
console.error = () => {};
console.warn = () => {};
const bal = require('@ban-team/validateur-bal');

function fieldOfCode(code) {
  const parts = code.split('.');
  if (parts[0] === 'field') return parts[1];
  if (parts[0] === 'row' || parts[0] === 'rows' || parts[0] === 'file') return null;
  return parts[0];
}
const SEV = { E: 'error', W: 'warning', I: 'info' };

let files = args;
if (files.length === 0) {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  files = Buffer.concat(chunks).toString('utf8').split('\n').filter(Boolean);
}
for (const file of files) {
  const out = { file };
  let buf = await readFile(file);
  try {
    const report = await bal.validate(buf, {});
    out.parseOk = report.parseOk;
    if (report.parseOk) {
      out.profile = report.profile;
      out.global = report.profilErrors.map((e) => ({ code: e.code, severity: SEV[e.level] }));
      out.valid = !out.global.some((g) => g.severity === 'error');
      out.rowsCount = report.rows.length;
      out.findings = [];
      for (const r of report.rows)
        for (const e of r.errors)
          out.findings.push({ row: r.line + 1, field: fieldOfCode(e.code), code: e.code, severity: SEV[e.level] });
    } else {
      out.valid = false;
      out.parseErrors = (report.parseErrors || []).map((e) => e.code);
    }
  } catch (e) {
    out.exception = String(e && e.message ? e.message : e);
    out.valid = false;
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}
