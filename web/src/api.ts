// The HTTP API of geocommun, as the UI uses it. Every error body of the server is
// `{"code": status, "message": "…", "detail": [...]}` or, for validation refusals,
// `{"code", "message", "messages": [...]}`: both become an `HttpError` whose `problems` are
// the server's own sentences.

/** One problem the server reported, with the form field it names when it can be told. */
export interface Problem {
  text: string;
  field: string | null;
}

export class HttpError extends Error {
  readonly status: number;
  readonly problems: Problem[];
  readonly body: unknown;
  readonly retryAfter: string | null;

  constructor(status: number, message: string, problems: Problem[], body: unknown, retryAfter: string | null) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.problems = problems;
    this.body = body;
    this.retryAfter = retryAfter;
  }
}

/** The field a validator message is about: a `field` key, a code prefix (`numero.trop_grand`),
 * else the words of the sentence. */
const FIELD_CODES: Record<string, string> = {
  numero: 'numero',
  suffixe: 'suffixe',
  voie_nom: 'nom',
  nom: 'nom',
  lieudit_complement_nom: 'nom',
  position: 'positions',
  positions: 'positions',
  long: 'positions',
  lat: 'positions',
  x: 'positions',
  y: 'positions',
  certification_commune: 'certifie',
  code: 'code',
  commune: 'commune',
};

export function fieldOf(text: string, hint?: unknown): string | null {
  if (typeof hint === 'string') {
    const head = hint.split('.')[0] ?? hint;
    if (FIELD_CODES[head]) return FIELD_CODES[head];
  }
  const t = text.toLowerCase();
  if (/\bsuffixe\b|\bsuffix\b/.test(t)) return 'suffixe';
  if (/num[ée]ro|\bnumber\b/.test(t)) return 'numero';
  if (/voie_nom|lieudit_complement_nom|\bnom\b|\bname\b/.test(t)) return 'nom';
  if (/position|longitude|latitude|\blong\b|\blat\b|coordonn/.test(t)) return 'positions';
  return null;
}

function problemOf(item: unknown): Problem | null {
  if (typeof item === 'string') return { text: item, field: fieldOf(item) };
  if (item && typeof item === 'object') {
    const o = item as Record<string, unknown>;
    const text = [o.message, o.what, o.text, o.explication].find((v) => typeof v === 'string') as string | undefined;
    const fix = typeof o.fix === 'string' ? ` ${o.fix}` : '';
    const label = text ?? (typeof o.code === 'string' ? o.code : JSON.stringify(o));
    return { text: label + fix, field: fieldOf(label, o.field ?? o.champ ?? o.code) };
  }
  return null;
}

async function errorOf(res: Response): Promise<HttpError> {
  let body: unknown = null;
  let message = `${res.status} ${res.statusText}`;
  let problems: Problem[] = [];
  const text = await res.text().catch(() => '');
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    if (typeof b.message === 'string') message = b.message;
    const list = Array.isArray(b.messages) ? b.messages : Array.isArray(b.detail) ? b.detail : [];
    problems = list.map(problemOf).filter((p): p is Problem => p !== null);
  } else if (typeof body === 'string' && body.trim()) {
    message = body.trim().slice(0, 300);
  }
  if (problems.length === 0) problems = [{ text: message, field: fieldOf(message) }];
  return new HttpError(res.status, message, problems, body, res.headers.get('retry-after'));
}

export interface RequestOptions {
  signal?: AbortSignal;
}

async function request<T>(method: string, url: string, body: unknown, opts: RequestOptions): Promise<T> {
  const init: RequestInit = {
    method,
    signal: opts.signal,
    credentials: 'same-origin',
    headers: { accept: 'application/json' },
  };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { accept: 'application/json', 'content-type': 'application/json' };
  }
  const res = await fetch(url, init);
  if (!res.ok) throw await errorOf(res);
  if (res.status === 204) return undefined as T;
  const ct = res.headers.get('content-type') ?? '';
  return (ct.includes('json') ? res.json() : res.text()) as Promise<T>;
}

export const getJson = <T>(url: string, opts: RequestOptions = {}) => request<T>('GET', url, undefined, opts);
export const postJson = <T>(url: string, body: unknown = {}, opts: RequestOptions = {}) =>
  request<T>('POST', url, body, opts);
export const deleteJson = <T>(url: string, opts: RequestOptions = {}) => request<T>('DELETE', url, undefined, opts);

/** `encodeURIComponent` for path segments. */
export const seg = (s: string) => encodeURIComponent(s);

// ---- Types of the answers the UI reads ----

/** A GeoCodeJSON feature of /search/, /reverse/ and /lookup/{id}. */
export interface AddressFeature {
  type: 'Feature';
  geometry: { type: 'Point'; coordinates: [number, number] };
  properties: {
    label: string;
    score?: number;
    housenumber?: string;
    id: string;
    banId?: string;
    name: string;
    postcode: string;
    citycode: string;
    city: string;
    district?: string;
    context: string;
    type: 'housenumber' | 'street' | 'locality' | 'municipality';
    street?: string;
  };
}

export interface FeatureCollection {
  type: 'FeatureCollection';
  features: AddressFeature[];
}

export interface PositionRecord {
  type: string;
  lon: number;
  lat: number;
}

/** One change of the feed (`GET /feed`, `GET /lookup/{id}/history`, the editor's diff). */
export interface Change {
  seq?: number;
  kind: string;
  commune: string;
  departement?: string;
  id: string;
  revision?: string;
  at?: string;
  data?: Record<string, unknown> & { object?: string; positions?: PositionRecord[] };
}

export interface History {
  id: string;
  versions: { from: string; until?: string; change: Change }[];
}

export interface FeedPage {
  changes: Change[];
  next: number;
  head: number;
}

/** `GET /base/communes/{code}`. */
export interface CommuneSummary {
  code: string;
  nom: string;
  adresses: number;
  certifiees: number;
  part_certifiee: number;
  voies: number;
  lieux_dits: number;
  source: 'bal' | 'ban' | string;
  derniere_publication: { revision: string; publiee_le: string; client: string } | null;
  curseur_feed: number;
  bbox: [number, number, number, number] | null;
  telechargements: Record<string, string>;
}

/** A commune of the geo API (`/communes?nom=`). */
export interface GeoCommune {
  nom: string;
  code: string;
  codesPostaux?: string[];
  departement?: { code: string; nom: string };
  codeDepartement?: string;
  population?: number;
}
