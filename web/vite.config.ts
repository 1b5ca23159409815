// The build of the UI: `npm run build` writes web/dist, which the server embeds
// (crates/geocommun-server/src/ui.rs). Content-hashed file names under /assets/ are served
// with an immutable cache; index.html is revalidated on every load.
import { defineConfig } from 'vite';

// Routes of the geocommun API, proxied to a local `geocommun serve` by `npm run dev`.
const API = '^/(search|reverse|lookup|feed|exports|communes|departements|regions|epcis|base|editor|tiles|bal|health)';

export default defineConfig({
  base: '/',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    sourcemap: false,
    target: 'es2022',
    // maplibre-gl is one ~1 MB chunk, loaded after the first paint (stored gzip-compressed by
    // scripts/precompress.mjs).
    chunkSizeWarningLimit: 1200,
  },
  server: {
    proxy: { [API]: 'http://127.0.0.1:7878' },
  },
});
