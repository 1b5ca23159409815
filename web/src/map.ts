// The map: one MapLibre map for the whole page, created after the first paint (maplibre-gl is
// loaded as a separate chunk), on the server's own style (`GET /tiles/style.json`). Pages put
// their overlays on it (`setOverlay`) and the router clears them on every navigation.

import type * as Maplibre from 'maplibre-gl';
import type { GeoJSONSource, LngLatBoundsLike, LngLatLike, Map as MlMap, Marker, StyleSpecification } from 'maplibre-gl';
import { byId } from './dom';
import { lang, onLangChange, t } from './i18n';

export type Ml = typeof Maplibre;

export interface MapHandle {
  ml: Ml;
  map: MlMap;
  /** The font stack of the style's labels, for our own symbol layers (null: no glyphs). */
  font: string[] | null;
}

/** France métropolitaine, the view before anything is chosen. */
const FRANCE: LngLatBoundsLike = [
  [-5.2, 41.3],
  [9.6, 51.2],
];

let handle: Promise<MapHandle | null> | null = null;
/** The map once created: overlays are only ever added to it. */
let current: MapHandle | null = null;
const overlays = new Map<string, { layers: string[]; markers: Marker[] }>();

/** Lists the overlays shown in `data-overlays` of the map (for tests and user styles). */
function markOverlays(): void {
  const el = document.getElementById('map');
  if (el) el.dataset.overlays = [...overlays.keys()].sort().join(' ');
}

function status(text: string, kind: 'info' | 'warning' = 'info'): void {
  const el = document.getElementById('map-status');
  if (!el) return;
  el.textContent = text;
  el.dataset.kind = kind;
  el.hidden = text === '';
}

function localeStrings(): Record<string, string> {
  if (lang() === 'en') return {};
  return {
    'Map.Title': 'Carte',
    'Marker.Title': 'Marqueur',
    'NavigationControl.ZoomIn': 'Zoomer',
    'NavigationControl.ZoomOut': 'Dézoomer',
    'NavigationControl.ResetBearing': 'Faire glisser pour tourner la carte, cliquer pour revenir au nord',
    'AttributionControl.ToggleAttribution': 'Afficher ou masquer les sources',
    'Popup.Close': 'Fermer',
    'ScaleControl.Meters': 'm',
    'ScaleControl.Kilometers': 'km',
  };
}

/** The server's style; when the server has no tiles (404, or a network error), an empty
 * style so that our overlays still show, and a notice that says so. */
async function loadStyle(): Promise<StyleSpecification> {
  try {
    const res = await fetch('/tiles/style.json', { headers: { accept: 'application/json' } });
    if (res.ok) return (await res.json()) as StyleSpecification;
    status(t('map.noTiles', { status: String(res.status) }), 'warning');
  } catch {
    status(t('map.noTiles', { status: t('map.network') }), 'warning');
  }
  return {
    version: 8,
    sources: {},
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#f4f3ef' } }],
  };
}

/** The font stack of our labels: the style's regular face when it has one, else its first. */
function fontOf(style: StyleSpecification): string[] | null {
  if (!style.glyphs) return null;
  const stacks: string[][] = [];
  for (const layer of style.layers) {
    if (layer.type !== 'symbol') continue;
    const f = layer.layout?.['text-font'];
    if (Array.isArray(f) && f.every((x) => typeof x === 'string')) stacks.push(f as string[]);
  }
  return stacks.find((f) => f.some((x) => /regular/i.test(x))) ?? stacks[0] ?? null;
}

async function create(): Promise<MapHandle | null> {
  const container = byId('map');
  const [ml, workerUrl, style] = await Promise.all([
    import('maplibre-gl'),
    import('maplibre-gl/dist/maplibre-gl-worker.mjs?url').then((m: { default: string }) => m.default),
    loadStyle(),
    import('maplibre-gl/dist/maplibre-gl.css'),
  ]);
  ml.setWorkerUrl(workerUrl);
  let map: MlMap;
  try {
    map = new ml.Map({
      container,
      style,
      bounds: FRANCE,
      attributionControl: { compact: true },
      locale: localeStrings(),
      maxPitch: 0,
    });
  } catch (e) {
    // No WebGL (an old browser, or graphics disabled): the pages work without the map.
    status(t('map.unavailable', { reason: e instanceof Error ? e.message : String(e) }), 'warning');
    container.classList.add('map-off');
    return null;
  }
  map.addControl(new ml.NavigationControl({ showCompass: false }), 'top-right');
  map.addControl(new ml.ScaleControl({ unit: 'metric' }), 'bottom-left');
  map.on('error', (ev) => {
    // Tiles and glyphs that fail are logged, not shown: the page stays usable.
    console.warn('map:', ev.error?.message ?? ev);
  });
  const font = fontOf(style);
  // Clicking an object of our base tiles opens its page (when a page asked for it).
  map.on('click', (ev) => {
    if (!baseClick || !baseClickEnabled()) return;
    const layers = baseLayers(map).map((l) => l.id);
    if (layers.length === 0) return;
    const f = map.queryRenderedFeatures(ev.point, { layers })[0];
    if (!f) return;
    const layer = (f.layer as { 'source-layer'?: string })['source-layer'] ?? '';
    baseClick(layer, (f.properties ?? {}) as Record<string, unknown>);
  });
  map.on('mousemove', (ev) => {
    if (!baseClick || !baseClickEnabled()) return;
    const layers = baseLayers(map).map((l) => l.id);
    const hit = layers.length > 0 && map.queryRenderedFeatures(ev.point, { layers }).length > 0;
    map.getCanvas().style.cursor = hit ? 'pointer' : '';
  });
  await new Promise<void>((resolve) => {
    if (map.isStyleLoaded()) resolve();
    else map.once('load', () => resolve());
  });
  container.dataset.ready = 'true';
  performance.mark('geocommun:map-ready');
  current = { ml, map, font };
  onLangChange(() => {
    const canvas = map.getCanvas();
    canvas.setAttribute('aria-label', t('map.label'));
  });
  map.getCanvas().setAttribute('aria-label', t('map.label'));
  return current;
}

/** The source layers of our vector tiles whose objects have a page. */
const CLICKABLE = new Set(['adresses', 'voies', 'lieux_dits', 'communes']);
let baseClick: ((sourceLayer: string, props: Record<string, unknown>) => void) | null = null;
let baseClickEnabled: () => boolean = () => true;

function baseLayers(map: MlMap): { id: string; sourceLayer: string }[] {
  const out: { id: string; sourceLayer: string }[] = [];
  for (const l of map.getStyle()?.layers ?? []) {
    const sl = (l as { 'source-layer'?: string })['source-layer'];
    if (sl && CLICKABLE.has(sl) && l.type !== 'fill') out.push({ id: l.id, sourceLayer: sl });
  }
  return out;
}

/** What a click on an object of the base tiles does, and when (not in the editor, whose
 * clicks and drags are on the draft). */
export function onBaseClick(f: (sourceLayer: string, props: Record<string, unknown>) => void, enabled: () => boolean): void {
  baseClick = f;
  baseClickEnabled = enabled;
}

const hiddenFilters = new Map<string, unknown>();

/** Hides a commune's addresses, streets and lieux-dits of the base tiles (the editor shows
 * its draft instead), or shows them again (`null`). */
export function hideCommuneInBase(code: string | null): void {
  if (!current) return;
  const { map } = current;
  for (const [id, filter] of hiddenFilters) {
    if (map.getLayer(id)) map.setFilter(id, filter as Maplibre.FilterSpecification | null);
  }
  hiddenFilters.clear();
  if (!code) return;
  for (const { id, sourceLayer } of baseLayers(map)) {
    if (sourceLayer === 'communes') continue;
    const original = map.getFilter(id) ?? null;
    hiddenFilters.set(id, original);
    const notHere: Maplibre.FilterSpecification = ['!=', ['get', 'commune'], code];
    map.setFilter(id, original ? (['all', original, notHere] as Maplibre.FilterSpecification) : notHere);
  }
}

/** The map, created on first use; null when this browser cannot show it. */
export function getMap(): Promise<MapHandle | null> {
  handle ??= create().catch((e: unknown) => {
    status(t('map.unavailable', { reason: e instanceof Error ? e.message : String(e) }), 'warning');
    return null;
  });
  return handle;
}

/** Removes an overlay (its layers, source and markers). */
export function clearOverlay(name: string): void {
  if (current) clearOverlayNow(current, name);
  else overlays.delete(name);
  markOverlays();
}

/** Removes every overlay (on navigation). */
export function clearOverlays(): void {
  for (const name of [...overlays.keys()]) clearOverlay(name);
}

/** Sets (or replaces the data of) a GeoJSON overlay drawn with `layers`. */
export async function setOverlay(
  name: string,
  data: GeoJSON.FeatureCollection | GeoJSON.Feature,
  layers: (font: string[] | null) => Maplibre.AddLayerObject[],
): Promise<MapHandle | null> {
  const h = await getMap();
  if (!h) return null;
  const existing = h.map.getSource(name) as GeoJSONSource | undefined;
  if (existing && (overlays.get(name)?.layers.length ?? 0) > 0) {
    await existing.setData(data);
    return h;
  }
  // A new source: drop the overlay's previous layers (its markers stay).
  const previous = overlays.get(name);
  for (const id of previous?.layers ?? []) if (h.map.getLayer(id)) h.map.removeLayer(id);
  if (h.map.getSource(name)) h.map.removeSource(name);
  h.map.addSource(name, { type: 'geojson', data });
  const specs = layers(h.font);
  for (const l of specs) h.map.addLayer(l);
  overlays.set(name, { layers: specs.map((l) => l.id), markers: previous?.markers ?? [] });
  markOverlays();
  return h;
}

function clearOverlayNow(h: MapHandle, name: string): void {
  const o = overlays.get(name);
  if (!o) return;
  for (const id of o.layers) if (h.map.getLayer(id)) h.map.removeLayer(id);
  if (h.map.getSource(name)) h.map.removeSource(name);
  for (const m of o.markers) m.remove();
  overlays.delete(name);
  markOverlays();
}

/** Adds a marker that belongs to the overlay `name` (removed with it). */
export async function addMarker(
  name: string,
  at: LngLatLike,
  label: string,
  options: Maplibre.MarkerOptions = {},
): Promise<Marker | null> {
  const h = await getMap();
  if (!h) return null;
  const m = new h.ml.Marker(options).setLngLat(at).addTo(h.map);
  const el = m.getElement();
  el.setAttribute('aria-label', label);
  el.setAttribute('title', label);
  const o = overlays.get(name) ?? { layers: [], markers: [] };
  o.markers.push(m);
  overlays.set(name, o);
  markOverlays();
  return m;
}

/** The centre of the map when it is shown, else null. */
export function mapCenter(): [number, number] | null {
  if (!current) return null;
  const c = current.map.getCenter();
  return [c.lng, c.lat];
}

export async function flyTo(center: LngLatLike, zoom: number): Promise<void> {
  const h = await getMap();
  h?.map.flyTo({ center, zoom, speed: 2.4, essential: true });
}

/** Brings `center` into view (keeping the zoom, at least `minZoom`). */
export async function showPoint(center: [number, number], minZoom = 17): Promise<void> {
  const h = await getMap();
  if (!h) return;
  h.map.easeTo({ center, zoom: Math.max(h.map.getZoom(), minZoom), duration: 400 });
}

export async function fitBounds(bounds: LngLatBoundsLike, maxZoom = 16): Promise<void> {
  const h = await getMap();
  h?.map.fitBounds(bounds, { padding: 40, maxZoom, duration: 600 });
}

/** The bounding box of a GeoJSON geometry, for `fitBounds`. */
export function bboxOf(g: GeoJSON.Geometry): [number, number, number, number] | null {
  let w = Infinity;
  let s = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  const visit = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number' && typeof c[1] === 'number') {
      w = Math.min(w, c[0]);
      e = Math.max(e, c[0]);
      s = Math.min(s, c[1]);
      n = Math.max(n, c[1]);
    } else if (Array.isArray(c)) {
      for (const x of c) visit(x);
    }
  };
  if (g.type === 'GeometryCollection') for (const x of g.geometries) visit('coordinates' in x ? x.coordinates : []);
  else visit(g.coordinates);
  return Number.isFinite(w) ? [w, s, e, n] : null;
}
