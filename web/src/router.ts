// Client-side routing over the History API. The server answers every UI route with the same
// index.html (crates/geocommun-server/src/ui.rs); links to them are followed here without a
// reload, other links (API routes, downloads) load normally.

import { byId, h, replace } from './dom';
import { t } from './i18n';
import { clearOverlays, hideCommuneInBase } from './map';

export interface PageContext {
  params: Record<string, string>;
  query: URLSearchParams;
  /** Aborted when the user leaves the page: stop fetching, drop late answers. */
  signal: AbortSignal;
  main: HTMLElement;
  /** `history.state` of this entry (e.g. the search result that led here). */
  state: unknown;
}

export type Page = (ctx: PageContext) => Promise<void> | void;

interface Route {
  pattern: RegExp;
  keys: string[];
  load: () => Promise<Page>;
}

const routes: Route[] = [];

/** Registers a route: `path` with `:name` segments. */
export function route(path: string, load: () => Promise<Page>): void {
  const keys: string[] = [];
  const re = path.replace(/:([a-z]+)/g, (_, k: string) => {
    keys.push(k);
    return '([^/]+)';
  });
  routes.push({ pattern: new RegExp(`^${re}/?$`), keys, load });
}

/** Paths this router handles (the others are API routes or files). */
export function isUiPath(path: string): boolean {
  return path === '/' || path === '/explorer' || path.startsWith('/explorer/') || path === '/editeur' || path.startsWith('/editeur/');
}

let controller: AbortController | null = null;
let first = true;

async function render(): Promise<void> {
  controller?.abort();
  const c = new AbortController();
  controller = c;
  const main = byId('contenu');
  const path = location.pathname;
  clearOverlays();
  hideCommuneInBase(null);
  let page: Page | null = null;
  let params: Record<string, string> = {};
  for (const r of routes) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    params = Object.fromEntries(r.keys.map((k, i) => [k, decodeURIComponent(m[i + 1] ?? '')]));
    page = await r.load();
    break;
  }
  if (c.signal.aborted) return;
  main.setAttribute('aria-busy', 'true');
  try {
    if (page) {
      await page({ params, query: new URLSearchParams(location.search), signal: c.signal, main, state: history.state });
    } else {
      replace(
        main,
        h('h1', { tabindex: '-1' }, t('notFound.title')),
        h('p', null, t('notFound.text', { path })),
        h('p', null, h('a', { href: '/' }, t('notFound.home'))),
      );
    }
  } catch (e) {
    if (c.signal.aborted) return;
    replace(
      main,
      h('h1', { tabindex: '-1' }, t('error.title')),
      h('p', { role: 'alert' }, e instanceof Error ? e.message : String(e)),
      h('p', null, h('a', { href: '/' }, t('notFound.home'))),
    );
  } finally {
    if (!c.signal.aborted) main.removeAttribute('aria-busy');
  }
  if (c.signal.aborted) return;
  const title = main.querySelector('h1');
  document.title = title ? `${title.textContent ?? ''} — geocommun` : 'geocommun';
  document.querySelectorAll<HTMLAnchorElement>('.site-nav a').forEach((a) => {
    const here = a.getAttribute('href') === '/' ? !path.startsWith('/editeur') : path.startsWith(a.getAttribute('href') ?? '#');
    if (here) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  if (first) performance.mark('geocommun:first-page');
  // Move focus to the new page's title, as a screen reader user expects after a navigation;
  // not on the first load (focus starts at the top, with the skip link).
  if (!first && title instanceof HTMLElement) {
    if (!title.hasAttribute('tabindex')) title.setAttribute('tabindex', '-1');
    title.focus();
  }
  first = false;
}

/** Goes to `path` (a UI route), adding a history entry unless `replace`. */
export function navigate(path: string, opts: { replace?: boolean; state?: unknown } = {}): void {
  if (opts.replace) history.replaceState(opts.state ?? null, '', path);
  else history.pushState(opts.state ?? null, '', path);
  void render();
}

/** Renders the current page again (after a change of language). */
export function refresh(): void {
  void render();
}

export function startRouter(): void {
  window.addEventListener('popstate', () => void render());
  document.addEventListener('click', (ev) => {
    if (ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    const a = (ev.target as Element | null)?.closest?.('a');
    if (!a || a.target || a.hasAttribute('download')) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || !isUiPath(url.pathname)) return;
    ev.preventDefault();
    if (url.pathname + url.search === location.pathname + location.search && !url.hash) return;
    navigate(url.pathname + url.search);
  });
  void render();
}
