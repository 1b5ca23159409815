// The editor of a commune's addresses: sign-in through the habilitation code sent to the
// mairie, then the draft kept by the server (`/editor/...`): streets and lieux-dits, numbers
// with their positions, certification, the live validation report, the diff against the
// national base, undo and publication.

import type { AddLayerObject, GeoJSONSource, MapLayerMouseEvent, Marker } from 'maplibre-gl';
import { type Change, type GeoCommune, HttpError, deleteJson, getJson, postJson, seg } from '../api';
import { combobox } from '../combobox';
import { type Child, h, replace } from '../dom';
import { clearProblems, field, formErrors, showError, showProblems } from '../forms';
import { POSITION_TYPES, changeKind, formatDate, formatNumber, positionType, t } from '../i18n';
import { addMarker, clearOverlay, fitBounds, getMap, hideCommuneInBase, mapCenter, setOverlay, showPoint } from '../map';
import { type PageContext, navigate } from '../router';

// ---- The contract's shapes ----

interface Session {
  commune: string;
  expire_le: string;
}

interface SignIn {
  habilitation: string;
  emails: string[];
  expire_le: string;
}

interface Voie {
  id: string;
  nom: string;
  type: 'voie' | 'toponyme';
  position: [number, number] | null;
  numeros: number;
}

interface Position {
  type: string;
  lon: number;
  lat: number;
}

interface Numero {
  id: string;
  voie: string;
  numero: number;
  suffixe: string | null;
  lieudit_complement: string | null;
  certifie: boolean;
  positions: Position[];
  cle_interop: string;
  ban_id: string | null;
}

interface Draft {
  id: string;
  commune: string;
  version: number;
  peut_annuler: boolean;
  revision_de_base: string | null;
  voies: Voie[];
  numeros: Numero[];
}

interface Report {
  valid: boolean;
  parseOk?: boolean;
  exception?: string;
  profile?: string;
  rowsCount?: number;
  counts?: { E: number; W: number; I: number; rowsWithErrors: number };
  findings?: { row: number | null; field: string | null; code: string; severity: string }[];
}

interface Diff {
  resume: Record<string, number>;
  changes: Change[];
}

interface Published {
  revision: string;
  curseur_feed: number;
}

// ---- Sign-in (/editeur) ----

export async function signIn(ctx: PageContext): Promise<void> {
  const wanted = ctx.query.get('commune');
  let session: Session | null = null;
  try {
    session = await getJson<Session>('/editor/session', { signal: ctx.signal });
  } catch (e) {
    if (ctx.signal.aborted) return;
    if (e instanceof HttpError && e.status !== 401) {
      replace(ctx.main, h('h1', null, t('editor.title')), h('p', { class: 'notice notice-error', role: 'alert' }, e.status === 404 ? t('editor.unavailable') : e.message));
      return;
    }
  }
  if (ctx.signal.aborted) return;
  if (session && (!wanted || wanted === session.commune)) {
    navigate(`/editeur/communes/${seg(session.commune)}`, { replace: true });
    return;
  }
  if (session) {
    replace(
      ctx.main,
      h('h1', null, t('editor.title')),
      h('p', null, t('editor.otherSession', { commune: session.commune })),
      h('p', null,
        h('a', { href: `/editeur/communes/${seg(session.commune)}`, class: 'button' }, t('editor.continue', { commune: session.commune })),
        ' ',
        h('button', { type: 'button', class: 'button secondary', onclick: async () => { await postJson('/editor/sign-out').catch(() => undefined); navigate(`/editeur?commune=${seg(wanted ?? '')}`, { replace: true }); } }, t('editor.signOut'))),
    );
    return;
  }

  let chosen: GeoCommune | null = null;
  const step1 = h('form', { class: 'card', novalidate: true });
  const step2Box = h('div');
  const sendButton = h('button', { type: 'submit', class: 'button' }, t('signin.send'));
  const cb = combobox<GeoCommune>({
    label: t('signin.commune'),
    hint: t('signin.communeHint'),
    name: 'commune',
    minChars: 2,
    fetch: (q, signal) => {
      const byCode = /^\d[\dAB]\d{3}$/i.test(q);
      const url = byCode
        ? `/communes?code=${encodeURIComponent(q)}&fields=nom,code,codesPostaux,departement`
        : `/communes?nom=${encodeURIComponent(q)}&fields=nom,code,codesPostaux,departement&boost=population&limit=8`;
      return getJson<GeoCommune[]>(url, { signal });
    },
    render: (c) => ({
      primary: `${c.nom} (${c.code})`,
      secondary: [c.departement ? `${c.departement.nom} (${c.departement.code})` : null, c.codesPostaux?.slice(0, 3).join(', ')].filter(Boolean).join(' · '),
    }),
    onPick: (c) => {
      chosen = c;
      cb.setError(null);
    },
  });
  cb.input.addEventListener('input', () => {
    chosen = null;
  });
  const errors = formErrors();
  replace(step1, h('h2', null, t('signin.step1')), cb.root, errors, sendButton);

  const requestCode = async (code: string, name: string) => {
    sendButton.disabled = true;
    clearProblems(step1);
    try {
      const r = await postJson<SignIn>('/editor/sign-in', { commune: code });
      showCodeStep(r, code, name);
    } catch (e) {
      if (e instanceof HttpError && e.status === 429 && e.retryAfter) {
        showProblems(step1, [{ text: `${e.message} ${t('signin.retryAfter', { s: e.retryAfter })}`, field: 'commune' }]);
      } else if (e instanceof HttpError) {
        showProblems(step1, e.problems.map((p) => ({ ...p, field: 'commune' })));
      } else {
        showError(step1, e);
      }
    } finally {
      sendButton.disabled = false;
    }
  };

  step1.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!chosen) {
      showProblems(step1, [{ text: t('signin.pickCommune'), field: 'commune' }]);
      return;
    }
    void requestCode(chosen.code, chosen.nom);
  });

  const showCodeStep = (r: SignIn, code: string, name: string) => {
    const form = h('form', { class: 'card', novalidate: true });
    const codeField = field('code', t('signin.code'), { inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '6', pattern: '[0-9]{6}', required: true }, { hint: t('signin.codeHint') });
    const submit = h('button', { type: 'submit', class: 'button' }, t('signin.validate'));
    replace(
      form,
      h('h2', { tabindex: '-1' }, t('signin.step2')),
      h('p', { role: 'status' }, t('signin.sent', { emails: r.emails.join(', '), commune: `${name} (${code})`, until: formatDate(r.expire_le) })),
      codeField.root,
      formErrors(),
      h('p', { class: 'actions' }, submit, ' ',
        h('button', { type: 'button', class: 'button secondary', onclick: () => void requestCode(code, name) }, t('signin.resend'))),
    );
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      submit.disabled = true;
      clearProblems(form);
      try {
        await postJson(`/editor/sign-in/${seg(r.habilitation)}/code`, { code: codeField.input.value.trim() });
        navigate(`/editeur/communes/${seg(code)}`, { replace: true });
      } catch (e) {
        if (e instanceof HttpError) showProblems(form, e.problems.map((p) => ({ ...p, field: 'code' })));
        else showError(form, e);
      } finally {
        submit.disabled = false;
      }
    });
    replace(step2Box, form);
    (form.querySelector('h2') as HTMLElement).focus();
  };

  replace(ctx.main, h('h1', null, t('editor.title')), h('p', { class: 'lead' }, t('signin.lead')), step1, step2Box);

  if (wanted) {
    try {
      const c = await getJson<GeoCommune>(`/communes/${seg(wanted)}?fields=nom,code,codesPostaux,departement`, { signal: ctx.signal });
      chosen = c;
      cb.input.value = `${c.nom} (${c.code})`;
    } catch {
      // An unknown code: the field stays empty.
    }
  }
}

// ---- The editor (/editeur/communes/{code}) ----

interface State {
  ctx: PageContext;
  draft: Draft;
  session: Session;
  name: string;
  voie: string | null;
  numero: string | null;
  filter: string;
  view: 'edit' | 'diff' | 'published';
  published: Published | null;
  report: Report | null;
  explanations: Record<string, { what: string; fix: string }>;
  /** A new draft is being opened (after a publication or an abandon). */
  reloading: boolean;
  /** The report's rows (1-based data records of the draft's BAL) → the number they are. */
  rows: Map<number, string>;
}

let st: State | null = null;

const fold = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
const label = (n: Numero) => `${n.numero}${n.suffixe ? ` ${n.suffixe}` : ''}`;
const byNumber = (a: Numero, b: Numero) => a.numero - b.numero || (a.suffixe ?? '').localeCompare(b.suffixe ?? '');

function announce(text: string): void {
  const el = document.getElementById('editor-status');
  if (!el) return;
  el.textContent = '';
  // A change of text in a live region is announced; the timeout makes repeats heard too.
  window.setTimeout(() => {
    el.textContent = text;
  }, 30);
}

export async function editor(ctx: PageContext): Promise<void> {
  const code = ctx.params.code ?? '';
  replace(ctx.main, h('h1', null, t('editor.title')), h('p', null, t('loading')));
  let session: Session;
  try {
    session = await getJson<Session>('/editor/session', { signal: ctx.signal });
  } catch (e) {
    if (ctx.signal.aborted) return;
    if (e instanceof HttpError && e.status === 401) {
      navigate(`/editeur?commune=${seg(code)}`, { replace: true });
      return;
    }
    replace(ctx.main, h('h1', null, t('editor.title')), h('p', { class: 'notice notice-error', role: 'alert' }, e instanceof HttpError && e.status === 404 ? t('editor.unavailable') : String(e instanceof Error ? e.message : e)));
    return;
  }
  if (session.commune !== code) {
    replace(
      ctx.main,
      h('h1', null, t('editor.title')),
      h('p', { class: 'notice notice-error', role: 'alert' }, t('editor.wrongCommune', { commune: session.commune, code })),
      h('p', null, h('a', { href: `/editeur/communes/${seg(session.commune)}`, class: 'button' }, t('editor.continue', { commune: session.commune }))),
    );
    return;
  }
  let draft: Draft;
  let name = code;
  try {
    const [d, c] = await Promise.all([
      getJson<Draft>(`/editor/communes/${seg(code)}/draft`, { signal: ctx.signal }),
      getJson<GeoCommune>(`/communes/${seg(code)}?fields=nom,code`, { signal: ctx.signal }).catch(() => null),
    ]);
    draft = d;
    if (c) name = c.nom;
  } catch (e) {
    if (ctx.signal.aborted) return;
    replace(ctx.main, h('h1', null, t('editor.title')), h('p', { class: 'notice notice-error', role: 'alert' }, e instanceof Error ? e.message : String(e)));
    return;
  }
  if (ctx.signal.aborted) return;
  const keep = st && st.draft.id === draft.id ? st : null;
  st = {
    ctx,
    draft,
    session,
    name,
    voie: keep?.voie ?? null,
    numero: keep?.numero ?? null,
    filter: keep?.filter ?? '',
    view: 'edit',
    published: null,
    report: null,
    explanations: keep?.explanations ?? {},
    rows: new Map(),
    reloading: false,
  };
  layout(st);
  render(st);
  void drawMap(st, true);
  void refreshReport(st);
}

/** Sends one operation; on success the new draft replaces the old one everywhere. */
async function apply(s: State, op: Record<string, unknown>, done: string): Promise<Draft> {
  try {
    const d = await postJson<Draft>(`/editor/drafts/${seg(s.draft.id)}/operations`, { ...op, expected_version: s.draft.version });
    setDraft(s, d);
    announce(done);
    return d;
  } catch (e) {
    if (e instanceof HttpError && e.status === 409) {
      // Changed elsewhere (another tab): take the server's draft and say so.
      await reloadDraft(s);
      announce(t('editor.reloaded'));
    }
    if (e instanceof HttpError && e.status === 401) {
      navigate(`/editeur?commune=${seg(s.draft.commune)}`, { replace: true });
    }
    throw e;
  }
}

async function reloadDraft(s: State): Promise<void> {
  const d = await getJson<Draft>(`/editor/communes/${seg(s.draft.commune)}/draft`);
  setDraft(s, d);
}

function setDraft(s: State, d: Draft): void {
  s.draft = d;
  if (s.voie && !d.voies.some((v) => v.id === s.voie)) s.voie = null;
  if (s.numero && !d.numeros.some((n) => n.id === s.numero)) s.numero = null;
  render(s);
  void drawMap(s, false);
  void refreshReport(s);
}

async function refreshReport(s: State): Promise<void> {
  const version = s.draft.version;
  try {
    const r = await getJson<Report>(`/editor/drafts/${seg(s.draft.id)}/report`);
    if (s.draft.version !== version || st !== s) return;
    s.report = r;
    s.rows = (r.findings ?? []).some((f) => f.row !== null) ? await rowsOf(s) : new Map();
    if (s.draft.version !== version || st !== s) return;
    const codes = [...new Set((r.findings ?? []).map((f) => f.code))].filter((c) => !s.explanations[c]);
    if (codes.length > 0) {
      try {
        const ex = await getJson<Record<string, { what: string; fix: string }>>(`/bal/explanations?lang=${document.documentElement.lang === 'en' ? 'en' : 'fr'}&codes=${encodeURIComponent(codes.join(','))}`);
        Object.assign(s.explanations, ex);
      } catch {
        // Without explanations the codes are shown as they are.
      }
    }
  } catch (e) {
    s.report = { valid: false, exception: e instanceof Error ? e.message : String(e) };
  }
  renderReport(s);
}

/** Splits a BAL CSV (`;`, quotes doubled inside quoted cells) into rows of cells. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        cell += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === ';') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else {
      cell += ch;
    }
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows.filter((r) => r.length > 1 || r[0] !== '');
}

/** Which number each data row of the draft's BAL is (by its cle_interop), to point from a
 * finding of the report to the number it is about. */
async function rowsOf(s: State): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  try {
    const res = await fetch(`/editor/drafts/${seg(s.draft.id)}/bal.csv`, { credentials: 'same-origin' });
    if (!res.ok) return out;
    const [header, ...data] = parseCsv((await res.text()).replace(/^\uFEFF/, ''));
    const col = header?.indexOf('cle_interop') ?? -1;
    if (col < 0) return out;
    const byKey = new Map(s.draft.numeros.map((n) => [n.cle_interop, n.id]));
    data.forEach((cells, i) => {
      const id = byKey.get(cells[col] ?? '');
      if (id) out.set(i + 1, id);
    });
  } catch {
    // Without the file the findings are listed without their numbers.
  }
  return out;
}

// ---- Layout and rendering ----

const boxes = {
  header: 'ed-header',
  report: 'ed-report',
  voies: 'ed-voies',
  voie: 'ed-voie',
  numero: 'ed-numero',
  diff: 'ed-diff',
};

function box(id: string): HTMLElement {
  return document.getElementById(id) ?? h('div');
}

function layout(s: State): void {
  replace(
    s.ctx.main,
    h('h1', null, t('editor.heading', { commune: `${s.name} (${s.draft.commune})` })),
    h('p', { id: 'editor-status', class: 'status', role: 'status', 'aria-live': 'polite' }),
    h('div', { id: boxes.header }),
    h('div', { id: boxes.diff }),
    h('section', { id: boxes.report, class: 'card', 'aria-labelledby': 'report-title' },
      h('h2', { id: 'report-title' }, t('report.title')),
      h('div', { id: 'report-live', 'aria-live': 'polite' }),
      h('div', { id: 'report-body' })),
    h('div', { id: boxes.voies }),
    h('div', { id: boxes.voie }),
  );
}

/** Re-renders every part, keeping the focus on the element that had it when it still exists. */
function render(s: State): void {
  const focused = document.activeElement?.id;
  renderHeader(s);
  if (s.view === 'edit') {
    box(boxes.diff).replaceChildren();
    renderVoies(s);
    renderVoie(s);
    renderNumero(s);
  } else {
    box(boxes.voies).replaceChildren();
    box(boxes.voie).replaceChildren();
  }
  renderReport(s);
  if (focused) document.getElementById(focused)?.focus();
}

function renderHeader(s: State): void {
  const d = s.draft;
  replace(
    box(boxes.header),
    h('p', { class: 'session' },
      t('editor.session', { commune: `${s.name} (${d.commune})`, until: formatDate(s.session.expire_le) }), ' ',
      h('button', { id: 'ed-signout', type: 'button', class: 'link-button', onclick: async () => {
        await postJson('/editor/sign-out').catch(() => undefined);
        st = null;
        navigate('/editeur');
      } }, t('editor.signOut'))),
    h('p', { id: 'ed-draft-info', class: 'muted' }, s.reloading ? t('editor.reloading') : t('editor.draftInfo', {
      version: String(d.version),
      base: d.revision_de_base ? t('editor.baseRevision', { revision: d.revision_de_base }) : t('editor.baseBan'),
      voies: formatNumber(d.voies.length),
      numeros: formatNumber(d.numeros.length),
    })),
    h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': t('editor.actions') },
      h('button', { id: 'ed-undo', type: 'button', class: 'button secondary', disabled: s.reloading || !d.peut_annuler, onclick: () => void undo(s) }, t('editor.undo')),
      s.view === 'edit'
        ? h('button', { id: 'ed-review', type: 'button', class: 'button', onclick: () => void showDiff(s) }, t('editor.review'))
        : h('button', { id: 'ed-back', type: 'button', class: 'button secondary', onclick: () => { s.view = 'edit'; render(s); document.getElementById('ed-review')?.focus(); } }, t('editor.backToEdit')),
      h('button', { id: 'ed-abandon', type: 'button', class: 'button danger', disabled: s.reloading || d.version === 0, onclick: () => void abandon(s) }, t('editor.abandon')),
    ),
  );
}

/** Abandons the draft: every change since it was opened is dropped, a new one starts from
 * the commune's current base. */
async function abandon(s: State): Promise<void> {
  if (!window.confirm(t('editor.abandonConfirm'))) return;
  try {
    await deleteJson(`/editor/drafts/${seg(s.draft.id)}`);
    s.voie = null;
    s.numero = null;
    await openNewDraft(s);
    announce(t('editor.abandoned'));
  } catch (e) {
    announce(e instanceof Error ? e.message : String(e));
  }
}

/** Opens the commune's next draft (after a publication or an abandon). */
async function openNewDraft(s: State): Promise<void> {
  s.reloading = true;
  renderHeader(s);
  try {
    const d = await getJson<Draft>(`/editor/communes/${seg(s.draft.commune)}/draft`);
    s.reloading = false;
    setDraft(s, d);
  } catch (e) {
    s.reloading = false;
    renderHeader(s);
    throw e;
  }
}

async function undo(s: State): Promise<void> {
  try {
    const d = await postJson<Draft>(`/editor/drafts/${seg(s.draft.id)}/undo`);
    setDraft(s, d);
    announce(t('editor.undone'));
  } catch (e) {
    announce(e instanceof Error ? e.message : String(e));
  }
}

/** `error`/`warning`/`info` (the report's words) or `E`/`W`/`I` → the letter. */
function severityLetter(severity: string): 'E' | 'W' | 'I' {
  const x = severity.toLowerCase();
  if (x === 'e' || x.startsWith('err')) return 'E';
  if (x === 'w' || x.startsWith('warn')) return 'W';
  return 'I';
}

function renderReport(s: State): void {
  const live = document.getElementById('report-live');
  const body = document.getElementById('report-body');
  if (!live || !body) return;
  const r = s.report;
  // The verdict is announced when it changes (the region stays; only its text changes).
  const setLive = (...nodes: Child[]) => {
    const next = h('div', null, nodes);
    if (live.textContent !== next.textContent) replace(live, ...nodes);
  };
  if (!r) {
    setLive(h('p', null, t('loading')));
    body.replaceChildren();
    return;
  }
  if (r.exception) {
    setLive(h('p', { class: 'notice notice-error' }, r.exception));
    body.replaceChildren();
    return;
  }
  const c = r.counts ?? { E: 0, W: 0, I: 0, rowsWithErrors: 0 };
  setLive(
    r.valid
      ? h('p', { class: 'verdict verdict-ok' }, h('span', { 'aria-hidden': 'true' }, '✔ '), t('report.valid', { profile: r.profile ?? '' }))
      : h('p', { class: 'verdict verdict-bad' }, h('span', { 'aria-hidden': 'true' }, '✖ '), t('report.invalid')),
    h('p', null, t('report.counts', { e: String(c.E), w: String(c.W), i: String(c.I) })),
  );
  const groups = new Map<string, { severity: string; rows: number[] }>();
  for (const f of r.findings ?? []) {
    const g = groups.get(f.code) ?? { severity: severityLetter(f.severity), rows: [] };
    if (f.row !== null) g.rows.push(f.row);
    groups.set(f.code, g);
  }
  const order = { E: 0, W: 1, I: 2 } as Record<string, number>;
  const sorted = [...groups].sort((a, b) => (order[a[1].severity] ?? 3) - (order[b[1].severity] ?? 3) || a[0].localeCompare(b[0]));
  if (sorted.length === 0) {
    body.replaceChildren();
    return;
  }
  // The details stay open or closed as the user left them.
  const was = body.querySelector('details');
  const open = was ? was.open : c.E > 0 || sorted.length <= 3;
  replace(
    body,
    h('details', { open },
      h('summary', null, t('report.details', { n: String(sorted.length) })),
      h('ul', { class: 'findings' }, sorted.slice(0, 30).map(([code, g]) => {
        const ex = s.explanations[code];
        return h('li', { class: `finding finding-${g.severity}` },
          h('strong', null, t(`severity.${g.severity}` as 'severity.E')), ' ',
          ex ? ex.what : h('code', null, code),
          ex ? h('span', { class: 'muted' }, ` ${ex.fix}`) : null,
          g.rows.length > 0 ? h('span', { class: 'muted' }, ` ${t('report.rows', { n: String(g.rows.length) })}`) : null,
          ex ? [' ', h('code', { class: 'code' }, code)] : null,
          findingNumbers(s, g.rows));
      }))),
  );
}

/** Up to 8 of the numbers a finding is about, as buttons that choose them. */
function findingNumbers(s: State, rows: number[]): HTMLElement | null {
  const ids = [...new Set(rows.map((r) => s.rows.get(r)).filter((x): x is string => !!x))];
  const nums = ids.map((id) => s.draft.numeros.find((n) => n.id === id)).filter((n): n is Numero => !!n);
  if (nums.length === 0) return null;
  return h('span', { class: 'finding-numbers' }, ' ', t('report.see'), ' ',
    nums.slice(0, 8).map((n, i) => [i > 0 ? ', ' : '', h('button', { type: 'button', class: 'link-button', onclick: () => selectNumero(s, n.id) },
      `${label(n)} ${s.draft.voies.find((v) => v.id === n.voie)?.nom ?? ''}`.trim())]),
    nums.length > 8 ? ` ${t('report.andMore', { n: String(nums.length - 8) })}` : '');
}

function renderVoies(s: State): void {
  const el = box(boxes.voies);
  const d = s.draft;
  const listId = 'ed-voie-list';
  const filter = h('input', { id: 'ed-filter', type: 'search', value: s.filter, 'aria-controls': listId, autocomplete: 'off' });
  const list = h('ul', { id: listId, class: 'pick-list' });
  const fill = () => {
    const q = fold(s.filter.trim());
    const found = d.voies.filter((v) => !q || fold(v.nom).includes(q)).sort((a, b) => a.nom.localeCompare(b.nom, 'fr'));
    replace(list, found.slice(0, 300).map((v) =>
      h('li', null, h('button', {
        type: 'button',
        id: `ed-voie-${v.id}`,
        class: 'pick',
        'aria-pressed': String(v.id === s.voie),
        onclick: () => selectVoie(s, v.id),
      }, h('span', null, v.nom), h('span', { class: 'muted' }, ` ${v.type === 'toponyme' ? t('voie.lieuDit') : t('voie.voie')} · ${t('voie.count', { n: String(d.numeros.filter((n) => n.voie === v.id).length) })}`)))),
    );
    count.textContent = t('voies.shown', { n: String(Math.min(found.length, 300)), total: String(found.length) });
  };
  const count = h('p', { class: 'muted', role: 'status' });
  filter.addEventListener('input', () => {
    s.filter = filter.value;
    fill();
  });

  const add = h('form', { class: 'inline-form', novalidate: true });
  const nom = field('nom', t('voies.addName'), { id: 'ed-add-voie-nom', autocomplete: 'off' }, { hint: t('voies.addHint') });
  const kind = field('type', t('voies.addKind'), { id: 'ed-add-voie-type' }, { select: [['voie', t('voie.voie')], ['toponyme', t('voie.lieuDit')]] });
  replace(add, h('h3', null, t('voies.add')), nom.root, kind.root, formErrors(), h('button', { id: 'ed-add-voie', type: 'submit', class: 'button' }, t('voies.addSubmit')));
  add.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearProblems(add);
    const name = nom.input.value.trim();
    const before = new Set(s.draft.voies.map((v) => v.id));
    try {
      let op: Record<string, unknown> = { op: 'add_voie', nom: name };
      if (kind.input.value === 'toponyme') {
        const c = (await getMap())?.map.getCenter();
        op = { op: 'add_toponyme', nom: name, position: c ? [round(c.lng), round(c.lat)] : null };
      }
      const nd = await apply(s, op, t('voies.added', { name }));
      const added = nd.voies.find((v) => !before.has(v.id));
      if (added) selectVoie(s, added.id, true);
    } catch (e) {
      showError(add, e);
    }
  });

  replace(
    el,
    h('section', { class: 'card', 'aria-labelledby': 'voies-title' },
      h('h2', { id: 'voies-title' }, t('voies.title')),
      h('label', { for: 'ed-filter', class: 'label' }, t('voies.filter')),
      filter,
      count,
      list,
      add),
  );
  fill();
}

function selectVoie(s: State, id: string, focus = true): void {
  s.voie = id;
  s.numero = null;
  render(s);
  void drawMap(s, false);
  const v = s.draft.voies.find((x) => x.id === id);
  const nums = s.draft.numeros.filter((n) => n.voie === id);
  const pts = nums.flatMap((n) => n.positions.slice(0, 1).map((p) => [p.lon, p.lat] as [number, number]));
  if (v?.position) pts.push(v.position);
  if (pts.length > 0) {
    const xs = pts.map((p) => p[0]);
    const ys = pts.map((p) => p[1]);
    void fitBounds([[Math.min(...xs), Math.min(...ys)], [Math.max(...xs), Math.max(...ys)]], 18);
  }
  if (focus) document.getElementById('ed-voie-title')?.focus();
}

function selectNumero(s: State, id: string, focus = true): void {
  const n = s.draft.numeros.find((x) => x.id === id);
  if (!n) return;
  s.voie = n.voie;
  s.numero = id;
  render(s);
  void drawMap(s, false);
  const p = n.positions[0];
  if (p) void showPoint([p.lon, p.lat]);
  if (focus) document.getElementById('ed-numero-title')?.focus();
}

const round = (x: number) => Math.round(x * 1e7) / 1e7;

/** The editor of a list of typed positions (each: type, longitude, latitude). */
function positionsEditor(initial: Position[], prefix: string): { root: HTMLElement; read: () => Position[] } {
  const rows: { type: HTMLSelectElement; lon: HTMLInputElement; lat: HTMLInputElement; root: HTMLElement }[] = [];
  const list = h('div', { class: 'positions' });
  const error = h('p', { class: 'field-error', 'aria-live': 'assertive' });
  error.dataset.errorFor = 'positions';
  const addRow = (p: Position) => {
    const i = rows.length;
    const type = field('positions', t('position.type'), { id: `${prefix}-pos-${i}-type`, value: p.type }, { select: POSITION_TYPES.map((x) => [x, positionType(x)]) });
    const lon = field('positions', t('position.lon'), { id: `${prefix}-pos-${i}-lon`, value: Number.isFinite(p.lon) ? String(p.lon) : '', inputmode: 'decimal' });
    const lat = field('positions', t('position.lat'), { id: `${prefix}-pos-${i}-lat`, value: Number.isFinite(p.lat) ? String(p.lat) : '', inputmode: 'decimal' });
    // One error region for all the positions (below the list).
    for (const f of [type, lon, lat]) f.error.remove();
    const row: (typeof rows)[number] = { type: type.input as HTMLSelectElement, lon: lon.input as HTMLInputElement, lat: lat.input as HTMLInputElement, root: h('fieldset', { class: 'position-row' }) };
    replace(
      row.root,
      h('legend', null, t('position.legend', { n: String(i + 1) })),
      type.root, lon.root, lat.root,
      h('p', { class: 'actions' },
        h('button', { type: 'button', class: 'link-button', onclick: async () => {
          const c = (await getMap())?.map.getCenter();
          if (c) {
            row.lon.value = String(round(c.lng));
            row.lat.value = String(round(c.lat));
          }
        } }, t('position.useCenter')),
        ' ',
        h('button', { type: 'button', class: 'link-button', onclick: () => {
          if (rows.length <= 1) return;
          rows.splice(rows.indexOf(row), 1);
          row.root.remove();
        } }, t('position.remove'))),
    );
    rows.push(row);
    list.appendChild(row.root);
  };
  for (const p of initial) addRow(p);
  const root = h('div', { class: 'positions-editor' },
    list,
    error,
    h('button', { type: 'button', class: 'link-button', onclick: async () => {
      const c = (await getMap())?.map.getCenter();
      const last = rows.at(-1);
      addRow({ type: 'entrée', lon: c ? round(c.lng) : Number(last?.lon.value ?? 0), lat: c ? round(c.lat) : Number(last?.lat.value ?? 0) });
    } }, t('position.add')));
  return {
    root,
    read: () => rows.map((r) => ({ type: r.type.value, lon: Number(r.lon.value.replace(',', '.')), lat: Number(r.lat.value.replace(',', '.')) })),
  };
}

/** The number as typed: an integer when it is one, else the text (the server says what is wrong). */
function numberValue(v: string): number | string {
  const x = v.trim();
  return /^\d{1,9}$/.test(x) ? Number(x) : x;
}

function renderVoie(s: State): void {
  const el = box(boxes.voie);
  const v = s.draft.voies.find((x) => x.id === s.voie);
  if (!v) {
    el.replaceChildren();
    return;
  }
  const nums = s.draft.numeros.filter((n) => n.voie === v.id).sort(byNumber);

  // Rename.
  const rename = h('form', { class: 'inline-form', novalidate: true });
  const newName = field('nom', t('voie.newName'), { id: 'ed-rename-nom', value: v.nom, autocomplete: 'off' });
  replace(rename, newName.root, formErrors(), h('button', { id: 'ed-rename', type: 'submit', class: 'button secondary' }, t('voie.rename')));
  rename.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearProblems(rename);
    try {
      await apply(s, { op: 'rename_voie', voie: v.id, nom: newName.input.value.trim() }, t('voie.renamed', { name: newName.input.value.trim() }));
    } catch (e) {
      showError(rename, e);
    }
  });

  // Merge into another street.
  const merge = h('form', { class: 'inline-form', novalidate: true });
  const others = s.draft.voies.filter((x) => x.id !== v.id).sort((a, b) => a.nom.localeCompare(b.nom, 'fr'));
  const into = field('into', t('voie.mergeInto'), { id: 'ed-merge-into' }, { select: [['', t('voie.mergeChoose')], ...others.map((o): [string, string] => [o.id, o.nom])] });
  replace(merge, into.root, formErrors(), h('button', { id: 'ed-merge', type: 'submit', class: 'button secondary' }, t('voie.merge')));
  merge.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearProblems(merge);
    const target = others.find((o) => o.id === into.input.value);
    if (!target) {
      showProblems(merge, [{ text: t('voie.mergeChoose'), field: 'into' }]);
      return;
    }
    if (!window.confirm(t('voie.mergeConfirm', { from: v.nom, into: target.nom, n: String(nums.length) }))) return;
    try {
      await apply(s, { op: 'merge_voies', from: v.id, into: target.id }, t('voie.merged', { from: v.nom, into: target.nom }));
      selectVoie(s, target.id);
    } catch (e) {
      showError(merge, e);
    }
  });

  // Add a number.
  const add = h('form', { class: 'inline-form', novalidate: true });
  const numero = field('numero', t('numero.numero'), { id: 'ed-add-numero', inputmode: 'numeric', autocomplete: 'off' }, { hint: t('numero.numeroHint') });
  const suffixe = field('suffixe', t('numero.suffixe'), { id: 'ed-add-suffixe', autocomplete: 'off' }, { hint: t('numero.suffixeHint') });
  const certifie = field('certifie', t('numero.certifie'), { id: 'ed-add-certifie' }, { checkbox: true });
  const positions = positionsEditor(defaultPositions(s, v), 'ed-add');
  replace(add, h('h3', null, t('voie.addNumero')), numero.root, suffixe.root, h('h4', null, t('position.title')), positions.root, certifie.root, formErrors(),
    h('button', { id: 'ed-add-numero-submit', type: 'submit', class: 'button' }, t('voie.addNumeroSubmit')));
  add.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearProblems(add);
    const before = new Set(s.draft.numeros.map((n) => n.id));
    const suffix = suffixe.input.value.trim();
    try {
      const nd = await apply(s, {
        op: 'add_numero',
        voie: v.id,
        numero: numberValue(numero.input.value),
        suffixe: suffix === '' ? null : suffix,
        positions: positions.read(),
        certifie: (certifie.input as HTMLInputElement).checked,
      }, t('numero.added', { numero: `${numero.input.value.trim()}${suffix ? ` ${suffix}` : ''}`, voie: v.nom }));
      const added = nd.numeros.find((n) => !before.has(n.id));
      if (added) selectNumero(s, added.id);
    } catch (e) {
      showError(add, e);
    }
  });

  const uncertified = nums.filter((n) => !n.certifie);
  replace(
    el,
    h('section', { class: 'card', 'aria-labelledby': 'ed-voie-title' },
      h('h2', { id: 'ed-voie-title', tabindex: '-1' }, v.nom),
      h('p', { class: 'muted' }, `${v.type === 'toponyme' ? t('voie.lieuDit') : t('voie.voie')} · ${t('voie.count', { n: String(nums.length) })} · ${t('voie.certifiedCount', { n: String(nums.length - uncertified.length) })}`),
      h('p', { class: 'actions' },
        h('button', { id: 'ed-certify-all', type: 'button', class: 'button secondary', disabled: uncertified.length === 0, onclick: async () => {
          try {
            await apply(s, { op: 'certify', numeros: uncertified.map((n) => n.id), certifie: true }, t('voie.certifiedAll', { n: String(uncertified.length), voie: v.nom }));
          } catch (e) {
            announce(e instanceof Error ? e.message : String(e));
          }
        } }, t('voie.certifyAll', { n: String(uncertified.length) }))),
      h('h3', null, t('voie.numeros')),
      nums.length === 0 ? h('p', null, t('voie.noNumeros')) : h('ul', { class: 'pick-list numbers' }, nums.map((n) =>
        h('li', null, h('button', {
          type: 'button',
          id: `ed-num-${n.id}`,
          class: 'pick',
          'aria-pressed': String(n.id === s.numero),
          onclick: () => selectNumero(s, n.id),
        }, h('span', null, label(n)), h('span', { class: n.certifie ? 'tag tag-ok' : 'tag' }, n.certifie ? t('numero.certified') : t('numero.notCertified')))))),
      // The chosen number, right under the list it was chosen from.
      h('div', { id: boxes.numero }),
      h('details', null, h('summary', null, t('voie.renameTitle')), rename),
      h('details', null, h('summary', null, t('voie.mergeTitle')), merge),
      add),
  );
}

/** Where a new number starts: the street's last number, else its own position, else the
 * centre of the map (the user then drags it or edits the coordinates). */
function defaultPositions(s: State, v: Voie): Position[] {
  const last = s.draft.numeros.filter((n) => n.voie === v.id).at(-1)?.positions[0];
  const at = last ? [last.lon, last.lat] : (v.position ?? mapCenter());
  return at ? [{ type: 'entrée', lon: round(at[0] ?? 0), lat: round(at[1] ?? 0) }] : [{ type: 'entrée', lon: Number.NaN, lat: Number.NaN }];
}

function renderNumero(s: State): void {
  const el = box(boxes.numero);
  const n = s.draft.numeros.find((x) => x.id === s.numero);
  if (!n) {
    el.replaceChildren();
    return;
  }
  const form = h('form', { class: 'inline-form', novalidate: true });
  const numero = field('numero', t('numero.numero'), { id: 'ed-edit-numero', value: String(n.numero), inputmode: 'numeric', autocomplete: 'off' });
  const suffixe = field('suffixe', t('numero.suffixe'), { id: 'ed-edit-suffixe', value: n.suffixe ?? '', autocomplete: 'off' });
  const voies = s.draft.voies.slice().sort((a, b) => a.nom.localeCompare(b.nom, 'fr'));
  const voie = field('voie', t('numero.voie'), { id: 'ed-edit-voie', value: n.voie }, { select: voies.map((v): [string, string] => [v.id, v.nom]) });
  const certifie = field('certifie', t('numero.certifie'), { id: 'ed-edit-certifie', checked: n.certifie }, { checkbox: true });
  const positions = positionsEditor(n.positions.length > 0 ? n.positions : [{ type: 'entrée', lon: 0, lat: 0 }], 'ed-edit');
  replace(form, numero.root, suffixe.root, voie.root, h('h3', null, t('position.title')), positions.root, certifie.root, formErrors(),
    h('p', { class: 'actions' },
      h('button', { id: 'ed-edit-submit', type: 'submit', class: 'button' }, t('numero.save')), ' ',
      h('button', { id: 'ed-delete', type: 'button', class: 'button danger', onclick: async () => {
        if (!window.confirm(t('numero.deleteConfirm', { numero: label(n) }))) return;
        try {
          await apply(s, { op: 'delete_numero', numero: n.id }, t('numero.deleted', { numero: label(n) }));
          document.getElementById('ed-voie-title')?.focus();
        } catch (e) {
          showError(form, e);
        }
      } }, t('numero.delete'))));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearProblems(form);
    // The number to change is `numero` (its id, as in the other operations); its new value
    // is `nouveau_numero`.
    const op: Record<string, unknown> = { op: 'update_numero', numero: n.id };
    const num = numberValue(numero.input.value);
    if (num !== n.numero) op.nouveau_numero = num;
    const suf = suffixe.input.value.trim() || null;
    if (suf !== n.suffixe) op.suffixe = suf;
    if (voie.input.value !== n.voie) op.voie = voie.input.value;
    const cert = (certifie.input as HTMLInputElement).checked;
    if (cert !== n.certifie) op.certifie = cert;
    const pos = positions.read();
    if (JSON.stringify(pos) !== JSON.stringify(n.positions.map((p) => ({ type: p.type, lon: p.lon, lat: p.lat })))) op.positions = pos;
    if (Object.keys(op).length === 2) {
      announce(t('numero.unchanged'));
      return;
    }
    try {
      await apply(s, op, t('numero.saved', { numero: label(n) }));
    } catch (e) {
      showError(form, e);
    }
  });
  replace(
    el,
    h('section', { class: 'card', 'aria-labelledby': 'ed-numero-title' },
      h('h2', { id: 'ed-numero-title', tabindex: '-1' }, t('numero.title', { numero: label(n), voie: s.draft.voies.find((v) => v.id === n.voie)?.nom ?? '' })),
      h('dl', { class: 'facts' },
        h('div', null, h('dt', null, t('numero.cle')), h('dd', null, h('code', null, n.cle_interop))),
        h('div', null, h('dt', null, t('address.banId')), h('dd', null, n.ban_id ? h('code', null, n.ban_id) : t('address.noBanId'))),
        n.lieudit_complement ? h('div', null, h('dt', null, t('numero.lieudit')), h('dd', null, n.lieudit_complement)) : null),
      h('p', { class: 'hint' }, t('numero.dragHint')),
      form),
  );
}

// ---- Diff and publication ----

function changeLabel(s: State, c: Change): string {
  const d = c.data as Record<string, unknown> | undefined;
  if (d && d.object === 'address') {
    const voie = s.draft.voies.find((v) => v.id === d.toponyme)?.nom;
    const num = `${String(d.numero)}${d.suffixe ? ` ${String(d.suffixe)}` : ''}`;
    return voie ? `${num} ${voie}` : `${num} (${String(d.cle_interop ?? c.id)})`;
  }
  if (d && d.object === 'toponyme') return String(d.name ?? c.id);
  if (d && d.object === 'commune') return `${String(d.name ?? c.commune)} (${c.commune})`;
  return c.id;
}

async function showDiff(s: State): Promise<void> {
  s.view = 'diff';
  render(s);
  const el = box(boxes.diff);
  replace(el, h('section', { class: 'card' }, h('h2', { id: 'diff-title', tabindex: '-1' }, t('diff.title')), h('p', null, t('loading'))));
  let diff: Diff;
  try {
    diff = await getJson<Diff>(`/editor/drafts/${seg(s.draft.id)}/diff`);
  } catch (e) {
    replace(el, h('section', { class: 'card' }, h('h2', { id: 'diff-title', tabindex: '-1' }, t('diff.title')), h('p', { class: 'notice notice-error', role: 'alert' }, e instanceof Error ? e.message : String(e))));
    return;
  }
  const total = diff.changes.length;
  const reviewed = s.draft.version;
  const publishErrors = formErrors();
  const confirm = h('form', { class: 'inline-form', novalidate: true },
    h('p', null, total === 0 ? t('diff.nothing') : t('diff.confirmText', { n: String(total) })),
    s.report && !s.report.valid ? h('p', { class: 'notice notice-error' }, t('diff.invalidWarning')) : null,
    publishErrors,
    h('p', { class: 'actions' },
      h('button', { id: 'ed-publish', type: 'submit', class: 'button', disabled: total === 0 }, t('diff.publish')), ' ',
      h('button', { type: 'button', class: 'button secondary', onclick: () => { s.view = 'edit'; render(s); document.getElementById('ed-review')?.focus(); } }, t('editor.backToEdit'))));
  confirm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearProblems(confirm);
    const button = confirm.querySelector('button[type=submit]') as HTMLButtonElement;
    button.disabled = true;
    let p: Published;
    try {
      // The version reviewed here, and no other, is published (409 if it moved on).
      p = await postJson<Published>(`/editor/drafts/${seg(s.draft.id)}/publish`, { expected_version: reviewed });
    } catch (e) {
      button.disabled = false;
      showError(confirm, e);
      return;
    }
    s.published = p;
    s.view = 'published';
    s.voie = null;
    s.numero = null;
    renderPublished(s, diff);
    announce(t('published.title'));
    // The draft is closed: the next one starts from the new revision.
    try {
      await openNewDraft(s);
    } catch (e) {
      announce(e instanceof Error ? e.message : String(e));
    }
  });
  const kinds = Object.entries(diff.resume).filter(([, n]) => n > 0);
  replace(
    el,
    h('section', { class: 'card', 'aria-labelledby': 'diff-title' },
      h('h2', { id: 'diff-title', tabindex: '-1' }, t('diff.title')),
      h('p', null, t('diff.lead')),
      kinds.length > 0
        ? h('table', { class: 'table' },
            h('caption', null, t('diff.summary')),
            h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('diff.kind')), h('th', { scope: 'col' }, t('diff.count')))),
            h('tbody', null, kinds.map(([k, n]) => h('tr', null, h('td', null, changeKind(k)), h('td', null, formatNumber(n))))))
        : null,
      total > 0
        ? h('ul', { class: 'changes' }, diff.changes.slice(0, 200).map((c) => h('li', null, h('strong', null, changeKind(c.kind)), ' ', changeLabel(s, c))))
        : null,
      total > 200 ? h('p', { class: 'muted' }, t('diff.more', { n: String(total - 200) })) : null,
      confirm),
  );
  document.getElementById('diff-title')?.focus();
}

function renderPublished(s: State, diff: Diff): void {
  const p = s.published;
  if (!p) return;
  const code = s.draft.commune;
  const items: Child[] = [
    h('h2', { id: 'published-title', tabindex: '-1' }, t('published.title')),
    h('p', { role: 'status' }, t('published.text', { revision: p.revision, cursor: String(p.curseur_feed), n: String(diff.changes.length) })),
    h('ul', { class: 'links' },
      h('li', null, h('a', { href: `/explorer/communes/${seg(code)}` }, t('published.commune'))),
      h('li', null, h('a', { href: `/feed?commune=${seg(code)}&since=${Math.max(0, p.curseur_feed - diff.changes.length)}` }, t('published.feed')))),
    h('p', null, h('button', { type: 'button', class: 'button secondary', onclick: () => { s.view = 'edit'; s.published = null; render(s); } }, t('published.continue'))),
  ];
  replace(box(boxes.diff), h('section', { class: 'card notice-ok', 'aria-labelledby': 'published-title' }, items));
  document.getElementById('published-title')?.focus();
}

// ---- The map of the draft ----

let drag: { marker: Marker; numero: string; state: State } | null = null;
let dragTimer: number | undefined;
let mapEventsBound = false;

function draftGeoJson(s: State): GeoJSON.FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: s.draft.numeros.flatMap((n) => {
      const p = n.positions[0];
      if (!p) return [];
      return [{
        type: 'Feature' as const,
        geometry: { type: 'Point' as const, coordinates: [p.lon, p.lat] },
        properties: { id: n.id, label: label(n), certifie: n.certifie, inVoie: n.voie === s.voie, selected: n.id === s.numero },
      }];
    }),
  };
}

function draftLayers(font: string[] | null): AddLayerObject[] {
  const layers: AddLayerObject[] = [
    {
      id: 'draft-circle',
      type: 'circle',
      source: 'draft',
      paint: {
        'circle-radius': ['interpolate', ['linear'], ['zoom'], 12, ['case', ['get', 'inVoie'], 5, 2], 17, ['case', ['get', 'inVoie'], 8, 5]],
        // Certified numbers are filled, the others hollow: not told by colour alone.
        'circle-color': ['case', ['get', 'certifie'], '#18753c', '#ffffff'],
        'circle-stroke-color': ['case', ['get', 'inVoie'], '#0b5cad', '#6a6a6a'],
        'circle-stroke-width': ['case', ['get', 'inVoie'], 2.5, 1.5],
      },
    },
  ];
  if (font) {
    layers.push({
      id: 'draft-label',
      type: 'symbol',
      source: 'draft',
      minzoom: 16,
      layout: { 'text-field': ['get', 'label'], 'text-font': font, 'text-size': 12, 'text-offset': [0, -1.1], 'text-allow-overlap': false },
      paint: { 'text-color': '#1e1e1e', 'text-halo-color': '#ffffff', 'text-halo-width': 1.5 },
    });
  }
  return layers;
}

async function drawMap(s: State, fit: boolean): Promise<void> {
  const hnd = await setOverlay('draft', draftGeoJson(s), draftLayers);
  if (!hnd || st !== s) return;
  // The published addresses of the commune would sit under the draft's: hide them.
  hideCommuneInBase(s.draft.commune);
  if (!mapEventsBound) {
    mapEventsBound = true;
    bindMapEvents();
  }
  if (fit) {
    const pts = s.draft.numeros.flatMap((n) => n.positions.slice(0, 1));
    if (pts.length > 0) {
      const xs = pts.map((p) => p.lon);
      const ys = pts.map((p) => p.lat);
      void fitBounds([[Math.min(...xs), Math.min(...ys)], [Math.max(...xs), Math.max(...ys)]], 17);
    }
  }
  // The selected number: a draggable marker (mouse, touch, or arrow keys once focused). It
  // is kept while the same number stays selected, so keyboard focus stays on it after a move.
  const n = s.draft.numeros.find((x) => x.id === s.numero);
  const p = n?.positions[0];
  const text = n ? t('numero.markerLabel', { numero: label(n) }) : '';
  if (drag && n && p && drag.state === s && drag.numero === n.id && drag.marker.getElement().isConnected) {
    drag.marker.setLngLat([p.lon, p.lat]);
    drag.marker.getElement().setAttribute('aria-label', text);
    drag.marker.getElement().setAttribute('title', text);
    return;
  }
  const hadFocus = drag !== null && drag.marker.getElement() === document.activeElement;
  drag?.marker.remove();
  drag = null;
  clearOverlay('draft-selected');
  if (!n || !p) return;
  const m = await addMarker('draft-selected', [p.lon, p.lat], text, { draggable: true, color: '#0b5cad' });
  if (!m) return;
  drag = { marker: m, numero: n.id, state: s };
  m.getElement().id = 'ed-drag-marker';
  m.on('dragend', () => {
    window.clearTimeout(dragTimer);
    // Arrow keys fire a dragend per press: wait until they stop.
    dragTimer = window.setTimeout(() => {
      const current = s.draft.numeros.find((x) => x.id === n.id);
      const at = m.getLngLat();
      if (current) void moveNumero(s, current, at.lng, at.lat);
    }, 350);
  });
  if (hadFocus) m.getElement().focus();
}

async function moveNumero(s: State, n: Numero, lon: number, lat: number): Promise<void> {
  try {
    await apply(s, { op: 'move_numero', numero: n.id, lon: round(lon), lat: round(lat) }, t('numero.moved', { numero: label(n) }));
  } catch (e) {
    announce(e instanceof Error ? e.message : String(e));
    void drawMap(s, false);
  }
}

/** Click a number to select it; press on it and drag to move it. */
function bindMapEvents(): void {
  void getMap().then((hnd) => {
    if (!hnd) return;
    const { map } = hnd;
    map.on('mouseenter', 'draft-circle', () => {
      map.getCanvas().style.cursor = 'pointer';
    });
    map.on('mouseleave', 'draft-circle', () => {
      map.getCanvas().style.cursor = '';
    });
    map.on('mousedown', 'draft-circle', (e: MapLayerMouseEvent) => {
      const s = st;
      const f = e.features?.[0];
      if (!s || !f || s.view !== 'edit') return;
      // A press on a marker (the chosen number's) bubbles up to the map: the marker drags it.
      if ((e.originalEvent.target as Element | null)?.closest?.('.maplibregl-marker')) return;
      const id = String(f.properties?.id ?? '');
      const n = s.draft.numeros.find((x) => x.id === id);
      if (!n) return;
      e.preventDefault(); // no map panning during this gesture
      const start = e.point;
      let moved = false;
      const source = map.getSource('draft') as GeoJSONSource | undefined;
      const data = draftGeoJson(s);
      const feature = data.features.find((x) => x.properties?.id === id);
      const onMove = (ev: { point: { x: number; y: number }; lngLat: { lng: number; lat: number } }) => {
        if (!moved && Math.hypot(ev.point.x - start.x, ev.point.y - start.y) < 4) return;
        moved = true;
        map.getCanvas().style.cursor = 'grabbing';
        if (feature) (feature.geometry as GeoJSON.Point).coordinates = [ev.lngLat.lng, ev.lngLat.lat];
        void source?.setData(data);
      };
      map.on('mousemove', onMove);
      map.once('mouseup', (ev) => {
        map.off('mousemove', onMove);
        map.getCanvas().style.cursor = '';
        if (moved) void moveNumero(s, n, ev.lngLat.lng, ev.lngLat.lat);
        else selectNumero(s, id);
      });
    });
  });
}
