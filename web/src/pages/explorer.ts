// The public explorer: the home page (search), an address page and a commune page.

import {
  type AddressFeature,
  type CommuneSummary,
  type FeatureCollection,
  type History,
  HttpError,
  type PositionRecord,
  getJson,
  seg,
} from '../api';
import { combobox } from '../combobox';
import { h, replace } from '../dom';
import { formatDate, formatNumber, formatPercent, t, changeKind, positionType } from '../i18n';
import { addMarker, bboxOf, fitBounds, flyTo, setOverlay } from '../map';
import { type PageContext, navigate } from '../router';

const typeLabel = (type: string) => t(`type.${type}` as 'type.housenumber');

/** Where a search result leads: communes to their page, the rest to the address page. */
export function pathOf(f: AddressFeature): string {
  const p = f.properties;
  if (p.type === 'municipality') return `/explorer/communes/${seg(p.citycode)}`;
  return `/explorer/adresses/${seg(p.banId ?? p.id)}`;
}

function zoomOf(f: AddressFeature): number {
  switch (f.properties.type) {
    case 'housenumber':
      return 18;
    case 'street':
    case 'locality':
      return 16;
    default:
      return 12;
  }
}

/** The address search of the explorer (autocomplete on /search/). */
function searchBox(): HTMLElement {
  const cb = combobox<AddressFeature>({
    label: t('search.label'),
    hint: t('search.hint'),
    name: 'q',
    fetch: async (q, signal) => {
      const url = `/search/?q=${encodeURIComponent(q)}&autocomplete=1&limit=7`;
      const fc = await getJson<FeatureCollection>(url, { signal });
      return fc.features;
    },
    render: (f) => ({
      primary: f.properties.label,
      secondary: `${typeLabel(f.properties.type)} · ${f.properties.context}`,
    }),
    onPick: (f) => {
      void flyTo(f.geometry.coordinates, zoomOf(f));
      navigate(pathOf(f), { state: { feature: f } });
    },
  });
  return h('form', { role: 'search', class: 'search', onsubmit: (e: Event) => e.preventDefault() }, cb.root);
}

function dl(rows: [string, Node | string | null][]): HTMLElement {
  return h(
    'dl',
    { class: 'facts' },
    rows.filter(([, v]) => v !== null).map(([k, v]) => h('div', null, h('dt', null, k), h('dd', null, v))),
  );
}

function errorBlock(e: unknown): HTMLElement {
  const msg = e instanceof HttpError ? e.message : e instanceof Error ? e.message : String(e);
  return h('p', { class: 'notice notice-error', role: 'alert' }, msg);
}

// ---- Home ----

export function home(ctx: PageContext): void {
  replace(
    ctx.main,
    h('h1', null, t('home.title')),
    h('p', { class: 'lead' }, t('home.lead')),
    searchBox(),
    h(
      'section',
      { 'aria-labelledby': 'reuse-title' },
      h('h2', { id: 'reuse-title' }, t('home.reuse')),
      h(
        'ul',
        { class: 'links' },
        h('li', null, h('a', { href: '/openapi.json' }, t('home.openapi'))),
        h('li', null, h('a', { href: '/feed?since=0&limit=100' }, t('home.feed'))),
        h('li', null, h('a', { href: '/exports/france?format=ban' }, t('home.export'))),
      ),
    ),
  );
}

// ---- Address page ----

function positionsLayer(): (font: string[] | null) => import('maplibre-gl').AddLayerObject[] {
  return (font) => {
    const layers: import('maplibre-gl').AddLayerObject[] = [
      {
        id: 'positions-circle',
        type: 'circle',
        source: 'positions',
        paint: { 'circle-radius': 6, 'circle-color': '#0b5cad', 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 },
      },
    ];
    if (font) {
      layers.push({
        id: 'positions-label',
        type: 'symbol',
        source: 'positions',
        layout: { 'text-field': ['get', 'type'], 'text-font': font, 'text-size': 12, 'text-offset': [0, 1.3], 'text-anchor': 'top' },
        paint: { 'text-color': '#1e1e1e', 'text-halo-color': '#fff', 'text-halo-width': 1.5 },
      });
    }
    return layers;
  };
}

export async function address(ctx: PageContext): Promise<void> {
  const id = ctx.params.id ?? '';
  const fromSearch = (ctx.state as { feature?: AddressFeature } | null)?.feature;
  replace(ctx.main, searchBox(), h('h1', null, fromSearch?.properties.label ?? t('loading')));
  let f: AddressFeature;
  try {
    f = await getJson<AddressFeature>(`/lookup/${seg(id)}`, { signal: ctx.signal });
  } catch (e) {
    if (ctx.signal.aborted) return;
    replace(ctx.main, searchBox(), h('h1', null, t('address.notFound')), errorBlock(e));
    return;
  }
  if (ctx.signal.aborted) return;
  const p = f.properties;
  const [lon, lat] = f.geometry.coordinates;
  const historyBox = h('div', null, h('p', null, t('loading')));
  const positionsBox = h('div', null);
  replace(
    ctx.main,
    searchBox(),
    h('p', { class: 'kicker' }, typeLabel(p.type)),
    h('h1', null, p.label),
    dl([
      [t('address.banId'), p.banId ? h('code', null, p.banId) : t('address.noBanId')],
      [t('address.id'), h('code', null, p.id)],
      [t('address.commune'), h('a', { href: `/explorer/communes/${seg(p.citycode)}` }, `${p.city} (${p.citycode})`)],
      [t('address.postcode'), p.postcode || null],
      [t('address.context'), p.context],
    ]),
    h('section', { 'aria-labelledby': 'pos-title' }, h('h2', { id: 'pos-title' }, t('address.positions')), positionsBox),
    h('section', { 'aria-labelledby': 'hist-title' }, h('h2', { id: 'hist-title' }, t('address.history')), historyBox),
  );

  const showPositions = (positions: PositionRecord[]) => {
    replace(
      positionsBox,
      h(
        'table',
        { class: 'table' },
        h('caption', { class: 'visually-hidden' }, t('address.positions')),
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('position.type')), h('th', { scope: 'col' }, t('position.lon')), h('th', { scope: 'col' }, t('position.lat')))),
        h(
          'tbody',
          null,
          positions.map((q) => h('tr', null, h('td', null, positionType(q.type)), h('td', null, q.lon.toFixed(6)), h('td', null, q.lat.toFixed(6)))),
        ),
      ),
    );
    void setOverlay(
      'positions',
      {
        type: 'FeatureCollection',
        features: positions.map((q) => ({
          type: 'Feature',
          geometry: { type: 'Point', coordinates: [q.lon, q.lat] },
          properties: { type: positionType(q.type) },
        })),
      },
      positionsLayer(),
    );
  };

  // The marker of the address (the best position), and the map centred on it.
  if (!ctx.signal.aborted) {
    await addMarker('positions', [lon, lat], p.label, { color: '#0b5cad' });
    void flyTo([lon, lat], fromSearch ? zoomOf(fromSearch) : zoomOf(f));
  }
  // The base keeps one position per address (the best by type); its type is in the history.
  showPositions([{ type: t('position.best'), lon, lat }]);

  // History: every published version, with all its positions.
  try {
    const hist = await getJson<History>(`/lookup/${seg(p.banId ?? p.id)}/history`, { signal: ctx.signal });
    if (ctx.signal.aborted) return;
    const last = hist.versions.at(-1)?.change.data;
    if (last?.positions && last.positions.length > 0) showPositions(last.positions);
    replace(
      historyBox,
      h(
        'ol',
        { class: 'history', reversed: true },
        [...hist.versions].reverse().map((v) =>
          h(
            'li',
            null,
            h('strong', null, changeKind(v.change.kind)),
            ' ',
            t('history.from', { from: formatDate(v.from) }),
            v.until ? ` ${t('history.until', { until: formatDate(v.until) })}` : ` (${t('history.current')})`,
            h('br'),
            h('span', { class: 'muted' }, t('history.revision', { revision: v.change.revision ?? '—', seq: String(v.change.seq ?? '—') })),
          ),
        ),
      ),
    );
  } catch (e) {
    if (ctx.signal.aborted) return;
    replace(historyBox, h('p', { class: 'notice' }, e instanceof HttpError && e.status === 404 ? t('address.noHistory') : t('address.historyError', { message: e instanceof Error ? e.message : String(e) })));
  }
}

// ---- Commune page ----

interface GeoFeature {
  type: 'Feature';
  /** null when the geo API has no contour for it (Paris, Lyon, Marseille arrondissements). */
  geometry: GeoJSON.Geometry | null;
  properties: { nom: string; code: string; population?: number; codesPostaux?: string[] };
}

export async function commune(ctx: PageContext): Promise<void> {
  const code = ctx.params.code ?? '';
  replace(ctx.main, searchBox(), h('h1', null, t('loading')));
  const [summary, contour] = await Promise.allSettled([
    getJson<CommuneSummary>(`/base/communes/${seg(code)}`, { signal: ctx.signal }),
    getJson<GeoFeature>(`/communes/${seg(code)}?format=geojson&geometry=contour&fields=nom,code,population,codesPostaux`, { signal: ctx.signal }),
  ]);
  if (ctx.signal.aborted) return;
  const s = summary.status === 'fulfilled' ? summary.value : null;
  const geo = contour.status === 'fulfilled' ? contour.value : null;
  const name = s?.nom ?? geo?.properties.nom;
  if (!name) {
    replace(ctx.main, searchBox(), h('h1', null, t('commune.notFound', { code })), errorBlock(summary.status === 'rejected' ? summary.reason : null));
    return;
  }
  const body: (Node | null)[] = [];
  if (s) {
    const pub = s.derniere_publication;
    body.push(
      dl([
        [t('commune.code'), s.code],
        [t('commune.addresses'), formatNumber(s.adresses)],
        [t('commune.certified'), t('commune.certifiedValue', { share: formatPercent(s.part_certifiee), n: formatNumber(s.certifiees), count: String(s.certifiees) })],
        [t('commune.streets'), formatNumber(s.voies)],
        [t('commune.lieuxDits'), formatNumber(s.lieux_dits)],
        [t('commune.source'), s.source === 'bal' ? t('commune.sourceBal') : t('commune.sourceBan')],
        [
          t('commune.lastPublication'),
          pub ? t('commune.publishedBy', { date: formatDate(pub.publiee_le), client: pub.client, revision: pub.revision }) : t('commune.neverPublished'),
        ],
        [
          t('commune.feedCursor'),
          h('span', null, h('code', null, String(s.curseur_feed)), ' — ', h('a', { href: `/feed?commune=${seg(s.code)}&since=${s.curseur_feed}` }, t('commune.feedFollow'))),
        ],
      ]),
      h(
        'section',
        { 'aria-labelledby': 'dl-title' },
        h('h2', { id: 'dl-title' }, t('commune.downloads')),
        h(
          'ul',
          { class: 'links' },
          Object.entries(s.telechargements).map(([format, href]) =>
            h('li', null, h('a', { href, download: '' }, t('commune.download', { format: format.toUpperCase() }))),
          ),
        ),
      ),
    );
  } else {
    body.push(errorBlock(summary.status === 'rejected' ? summary.reason : null));
  }
  body.push(
    h(
      'p',
      null,
      h('a', { href: `/editeur?commune=${seg(code)}`, class: 'button' }, t('commune.edit')),
    ),
  );
  if (!geo && contour.status === 'rejected') {
    body.push(h('p', { class: 'notice' }, t('commune.noContour', { message: contour.reason instanceof Error ? contour.reason.message : '' })));
  } else if (geo && !geo.geometry) {
    body.push(h('p', { class: 'notice' }, t('commune.noContourData')));
  }
  replace(ctx.main, searchBox(), h('p', { class: 'kicker' }, t('type.municipality')), h('h1', null, `${name} (${code})`), ...body);

  if (geo?.geometry) {
    const geometry = geo.geometry;
    await setOverlay('contour', { type: 'Feature', geometry, properties: geo.properties }, () => [
      { id: 'contour-fill', type: 'fill', source: 'contour', paint: { 'fill-color': '#0b5cad', 'fill-opacity': 0.08 } },
      { id: 'contour-line', type: 'line', source: 'contour', paint: { 'line-color': '#0b5cad', 'line-width': 2.5 } },
    ]);
    const bbox = s?.bbox ?? bboxOf(geometry);
    if (bbox && !ctx.signal.aborted) void fitBounds([[bbox[0], bbox[1]], [bbox[2], bbox[3]]], 15);
  } else if (s?.bbox) {
    void fitBounds([[s.bbox[0], s.bbox[1]], [s.bbox[2], s.bbox[3]]], 15);
  }
}
