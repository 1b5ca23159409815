// After `vite build`: every asset over 512 KiB (maplibre-gl's chunk) is stored gzip-compressed
// as `<name>.gz` in place of `<name>`, so that the committed build holds no file of a megabyte
// and the binary embeds a third of the bytes. The server answers `/assets/<name>` from
// `<name>.gz` with `Content-Encoding: gzip`, or decompressed for a client that does not accept
// gzip (crates/geocommun-server/src/ui.rs). Node's gzip writes no timestamp or file name: the
// output depends only on the input, as the drift check of `.ci/run` needs.
import { gzipSync } from 'node:zlib';
import { readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const LIMIT = 512 * 1024;
const dir = join(import.meta.dirname, '..', 'dist', 'assets');
for (const name of readdirSync(dir).sort()) {
  const path = join(dir, name);
  if (name.endsWith('.gz') || statSync(path).size <= LIMIT) continue;
  const data = readFileSync(path);
  writeFileSync(`${path}.gz`, gzipSync(data, { level: 9 }));
  unlinkSync(path);
  console.log(`precompressed assets/${name}: ${data.length} → ${statSync(`${path}.gz`).size} bytes`);
}
