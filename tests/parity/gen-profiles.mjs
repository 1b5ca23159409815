// Regenerates crates/geocommun-bal/src/profiles_data.rs from the installed reference validator:
//   node tests/parity/gen-profiles.mjs target/parity > crates/geocommun-bal/src/profiles_data.rs
import { createRequire } from 'node:module';
import path from 'node:path';

const dir = path.resolve(process.argv[2] ?? 'target/parity');
const require = createRequire(path.join(dir, 'package.json'));
const p = require('@ban-team/validateur-bal/dist/schema/profiles/index.js').default;
const order = ['1.1-strict', '1.2-strict', '1.3-strict', '1.3-relax', '1.3', '1.4', '1.5'];
let s = '//! Error and warning lists of the 7 profiles, generated from @ban-team/validateur-bal 3.5.2\n';
s += '//! (`dist/schema/profiles/*.js`) by `tests/parity/gen-profiles.mjs`. Do not edit by hand.\n\n';
for (const k of order) {
  const v = p[k];
  const id = k.replace(/[.-]/g, '_').toUpperCase();
  s += `/// Error list of profile \`${k}\`.\npub(crate) const ERRORS_${id}: &[&str] = &[\n`;
  s += v.errors.map((e) => `    "${e}",`).join('\n') + '\n];\n';
  s += `/// Warning list of profile \`${k}\`.\npub(crate) const WARNINGS_${id}: &[&str] = &[\n`;
  s += v.warnings.map((e) => `    "${e}",`).join('\n') + '\n];\n';
}
process.stdout.write(s);
