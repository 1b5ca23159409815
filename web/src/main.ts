// Entry point: the page shell is in index.html (it paints before any script runs); this
// module translates it, starts the router and, once the first page is shown, the map.

import './style.css';
import { applyShell, initLang, onLangChange } from './i18n';
import { getMap, onBaseClick } from './map';
import { navigate, refresh, route, startRouter } from './router';

initLang();
applyShell();
onLangChange(() => {
  applyShell();
  refresh();
});

route('/', () => import('./pages/explorer').then((m) => m.home));
route('/explorer', () => import('./pages/explorer').then((m) => m.home));
route('/explorer/adresses/:id', () => import('./pages/explorer').then((m) => m.address));
route('/explorer/communes/:code', () => import('./pages/explorer').then((m) => m.commune));
route('/editeur', () => import('./pages/editor').then((m) => m.signIn));
route('/editeur/communes/:code', () => import('./pages/editor').then((m) => m.editor));

// On the explorer, a click on an address, street, lieu-dit or commune of the tiles opens it.
onBaseClick((layer, p) => {
  const id = typeof p.id === 'string' ? p.id : null;
  const code = typeof p.code === 'string' ? p.code : null;
  if (layer === 'communes' && code) navigate(`/explorer/communes/${encodeURIComponent(code)}`);
  else if (id) navigate(`/explorer/adresses/${encodeURIComponent(id)}`);
}, () => !location.pathname.startsWith('/editeur'));

startRouter();
// The map (maplibre-gl, the largest chunk) loads after the first paint.
requestAnimationFrame(() => window.setTimeout(() => void getMap(), 0));
