// The browser tests of issue #7: Debian's Chromium driven by playwright-core against the real
// `geocommun serve` on 127.0.0.1 (Paris + Bondy, a fresh SQLite store, an SMTP sink), with
// axe-core on every page (0 serious or critical violations) and a screenshot of every step
// in target/ui-artifacts/ (UI_ARTIFACTS to change it). Run: `npm test` in web/ after
// `cargo build -p geocommun` (or GEOCOMMUN_BIN=path/to/geocommun).

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { startServer, REPO, MAIRIE_EMAIL } from './support/server.mjs';
import { startSmtpSink } from './support/smtp.mjs';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = process.env.UI_ARTIFACTS ?? path.join(REPO, 'target/ui-artifacts');
/** Explorer first contentful paint and first page, loopback, cold cache (issue #7: ≤ 1 s). */
const FIRST_PAINT_BUDGET_MS = 1000;
const NEW_STREET = 'Allée Rosa Bonheur';
const BONDY = '93010';

let smtp;
let server;
let browser;
let context;
let page;
let profile;
const figures = { steps: [] };
const a11y = [];
let shotIndex = 0;

async function shot(name) {
  shotIndex += 1;
  const file = path.join(ARTIFACTS, `${String(shotIndex).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  figures.steps.push({ step: name, screenshot: path.relative(REPO, file) });
}

/** axe-core on the current page: no serious or critical violation. */
async function checkA11y(name) {
  const loaded = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!loaded) await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
  });
  a11y.push({ page: name, url: page.url(), violations: result });
  const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad, [], `${name}: axe-core found serious or critical violations`);
}

async function api(method, url, body) {
  const res = await page.request.fetch(new URL(url, server.url).href, {
    method,
    data: body === undefined ? undefined : JSON.stringify(body),
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
  });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status(), json };
}

/** The texts of the messages of a refusal (strings or objects with a message). */
function messagesOf(body) {
  const list = Array.isArray(body?.messages) ? body.messages : Array.isArray(body?.detail) ? body.detail : [body?.message];
  return list.map((m) => (typeof m === 'string' ? m : (m?.message ?? m?.what ?? m?.text ?? ''))).filter(Boolean);
}

async function draft() {
  const r = await api('GET', `/editor/communes/${BONDY}/draft`);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json;
}

before(async () => {
  rmSync(ARTIFACTS, { recursive: true, force: true });
  mkdirSync(ARTIFACTS, { recursive: true });
  smtp = await startSmtpSink();
  server = await startServer({ smtpPort: smtp.port });
  figures.serverStartMs = server.startMs;
  profile = mkdtempSync(path.join(tmpdir(), 'geocommun-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 860 },
    locale: 'fr-FR',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  browser = context.browser();
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(20_000);
  page.on('request', (r) => {
    if (r.url().endsWith('/operations')) operations.push(r.postData());
  });
  page.on('pageerror', (e) => {
    figures.pageErrors = [...(figures.pageErrors ?? []), e.message];
  });
});

after(async () => {
  figures.a11y = a11y;
  try {
    writeFileSync(path.join(ARTIFACTS, 'report.json'), `${JSON.stringify(figures, null, 2)}\n`);
  } catch {
    // The artifacts folder is gone: nothing to write.
  }
  await context?.close().catch(() => {});
  void browser;
  await server?.stop();
  await smtp?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

test('the explorer paints within 1 s on loopback (cold cache)', async () => {
  await page.goto(server.url, { waitUntil: 'load' });
  await page.waitForFunction(() => performance.getEntriesByName('geocommun:first-page').length > 0);
  const m = await page.evaluate(() => ({
    fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
    firstPage: performance.getEntriesByName('geocommun:first-page')[0]?.startTime ?? null,
    domContentLoaded: performance.getEntriesByType('navigation')[0]?.domContentLoadedEventEnd ?? null,
  }));
  await page.waitForFunction(() => performance.getEntriesByName('geocommun:map-ready').length > 0, null, { timeout: 30_000 });
  m.mapReady = await page.evaluate(() => performance.getEntriesByName('geocommun:map-ready')[0]?.startTime ?? null);
  figures.firstPaint = m;
  assert.ok(m.fcp !== null, 'no first-contentful-paint entry');
  assert.ok(m.fcp <= FIRST_PAINT_BUDGET_MS, `first contentful paint ${m.fcp} ms > ${FIRST_PAINT_BUDGET_MS} ms`);
  assert.ok(m.firstPage <= FIRST_PAINT_BUDGET_MS, `first page (search usable) at ${m.firstPage} ms > ${FIRST_PAINT_BUDGET_MS} ms`);
  await shot('explorer-home');
  await checkA11y('explorer home');
});

test('a Paris address typed with a typo is found, picked from the list and shown on the map', async () => {
  const box = page.getByRole('combobox', { name: /Rechercher une adresse/ });
  await box.click();
  await page.keyboard.type('12 rue de rivolli pari', { delay: 25 });
  const options = page.getByRole('option');
  await options.first().waitFor();
  const first = await options.first().innerText();
  assert.match(first, /12 Rue de Rivoli 75004 Paris/);
  assert.equal(await box.getAttribute('aria-expanded'), 'true');
  await shot('search-autocomplete');
  await checkA11y('search with its list open');
  await page.keyboard.press('ArrowDown');
  const active = await box.getAttribute('aria-activedescendant');
  assert.ok(active, 'ArrowDown sets aria-activedescendant');
  assert.equal(await page.locator(`#${active}`).getAttribute('aria-selected'), 'true');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/explorer\/adresses\/75104_8249_00012$/);
  await page.getByRole('heading', { level: 1, name: '12 Rue de Rivoli 75004 Paris' }).waitFor();
  // The marker of the address ends up at the centre of the map once the flight is over.
  const marker = page.locator('.maplibregl-marker[aria-label="12 Rue de Rivoli 75004 Paris"]');
  await marker.waitFor({ state: 'visible' });
  await page.waitForFunction(() => {
    const m = document.querySelector('.maplibregl-marker');
    const map = document.getElementById('map');
    if (!m || !map) return false;
    const a = m.getBoundingClientRect();
    const b = map.getBoundingClientRect();
    // The default marker's tip is its bottom centre.
    return Math.abs(a.left + a.width / 2 - (b.left + b.width / 2)) < 30 && Math.abs(a.bottom - (b.top + b.height / 2)) < 30;
  }, null, { timeout: 10_000 });
  const lookup = await api('GET', '/lookup/75104_8249_00012');
  const text = await page.locator('main').innerText();
  assert.ok(text.includes(lookup.json.geometry.coordinates[0].toFixed(6)), 'the longitude of the address is shown');
  await shot('address-page');
  await checkA11y('address page');
});

/** The figures of GET /base/communes/{code} are on the page. */
async function checkSummary(code) {
  const summary = await api('GET', `/base/communes/${code}`);
  assert.equal(summary.status, 200, JSON.stringify(summary.json));
  const s = summary.json;
  await page.getByRole('heading', { level: 1, name: `${s.nom} (${code})` }).waitFor();
  const main = page.locator('main');
  await main.locator('.facts').waitFor();
  const text = (await main.innerText()).replace(/\u202f|\u00a0/g, ' ');
  const nf = new Intl.NumberFormat('fr-FR');
  const num = (n) => nf.format(n).replace(/\u202f|\u00a0/g, ' ');
  assert.ok(text.includes(num(s.adresses)), `the number of addresses ${s.adresses} is shown`);
  assert.ok(text.includes(`(${num(s.certifiees)} adresse`), `the certified addresses ${s.certifiees} are shown`);
  assert.ok(text.includes(String(s.curseur_feed)), 'the feed cursor is shown');
  if (s.derniere_publication) assert.ok(text.includes(s.derniere_publication.client), 'the publisher is shown');
  else assert.match(text, /Dernière publication\s+aucune/);
  for (const href of Object.values(s.telechargements)) {
    assert.equal(await main.locator(`a[href="${href}"]`).count(), 1, `download link ${href}`);
  }
  return s;
}

test('commune pages show the summary of GET /base/communes/{code} and the contour', async () => {
  // The commune of the address: a Paris arrondissement (the geo API has no contour for it).
  await page.getByRole('link', { name: /Paris \(75104\)/ }).click();
  await page.waitForURL(/\/explorer\/communes\/75104$/);
  await checkSummary('75104');
  await page.getByText('Les données de contours de ce serveur n’ont pas de contour pour cette commune.').waitFor();
  await shot('commune-page-paris-4e');
  await checkA11y('commune page (Paris 4e)');
  // A commune found by the search box: Bondy, with its contour on the map.
  const box = page.getByRole('combobox', { name: /Rechercher une adresse/ });
  await box.click();
  await page.keyboard.type('bondy', { delay: 25 });
  await page.getByRole('option', { name: /^Bondy/ }).first().waitFor();
  await page.getByRole('option', { name: /^Bondy/ }).first().click();
  await page.waitForURL(/\/explorer\/communes\/93010$/);
  await checkSummary('93010');
  await page.waitForFunction(() => (document.getElementById('map')?.dataset.overlays ?? '').split(' ').includes('contour'));
  await page.waitForTimeout(800); // the fitBounds animation
  await shot('commune-page-bondy');
  await checkA11y('commune page (Bondy)');
});

let signedIn = false;

test('a commune signs in with the code sent to the mairie', async () => {
  await page.getByRole('link', { name: 'Éditer ma commune' }).click();
  await page.waitForURL(/\/editeur$/);
  const commune = page.getByRole('combobox', { name: 'Commune' });
  // A commune whose mairie has no e-mail in the directory: the server's refusal, next to the field.
  await commune.click();
  await page.keyboard.type('pantin', { delay: 25 });
  await page.getByRole('option', { name: /Pantin \(93055\)/ }).click();
  const noMail = page.waitForResponse((r) => r.url().endsWith('/editor/sign-in'));
  await page.getByRole('button', { name: 'Recevoir un code par courriel' }).click();
  const refusedSignIn = await noMail;
  assert.equal(refusedSignIn.status(), 409);
  const noMailMessage = messagesOf(await refusedSignIn.json())[0];
  await page.locator('[data-error-for="commune"]').filter({ hasText: noMailMessage }).waitFor();
  assert.equal(await commune.getAttribute('aria-invalid'), 'true');
  assert.equal(smtp.mails.length, 0, 'no mail for a commune without an address in the directory');
  await shot('editor-sign-in-refused');
  await checkA11y('editor sign-in with a refusal');
  await commune.fill('');
  await commune.click();
  await page.keyboard.type('bondy', { delay: 25 });
  await page.getByRole('option', { name: /Bondy \(93010\)/ }).waitFor();
  await shot('editor-sign-in');
  await checkA11y('editor sign-in');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  assert.equal(await commune.inputValue(), 'Bondy (93010)');
  await page.getByRole('button', { name: 'Recevoir un code par courriel' }).click();
  const mails = await smtp.waitFor(1);
  const mail = mails[0];
  assert.deepEqual(mail.to, [MAIRIE_EMAIL]);
  const code = /\b(\d{6})\b/.exec(mail.body())?.[1];
  assert.ok(code, `no 6-digit code in the mail:\n${mail.body()}`);
  await page.getByRole('heading', { name: '2. Saisir le code reçu' }).waitFor();
  assert.match(await page.locator('main').innerText(), /Un code a été envoyé à \S+ pour Bondy \(93010\)/);
  // A wrong code first: the server's refusal next to the field.
  const wrong = code === '000000' ? '111111' : '000000';
  const field = page.getByRole('textbox', { name: 'Code reçu par courriel' });
  await field.fill(wrong);
  const refused = page.waitForResponse((r) => r.url().includes('/code') && r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Valider le code' }).click();
  const res = await refused;
  assert.equal(res.status(), 401);
  const wrongMessages = messagesOf(await res.json());
  await page.locator('[data-error-for="code"]').filter({ hasText: wrongMessages[0] }).waitFor();
  assert.equal(await field.getAttribute('aria-invalid'), 'true');
  await shot('editor-code-refused');
  await checkA11y('editor code step with a refusal');
  await field.fill(code);
  await page.getByRole('button', { name: 'Valider le code' }).click();
  await page.waitForURL(/\/editeur\/communes\/93010$/);
  await page.getByRole('heading', { level: 1, name: 'Adresses de Bondy (93010)' }).waitFor();
  await page.locator('.verdict').waitFor();
  signedIn = true;
  await shot('editor-draft');
  await checkA11y('editor with the draft');
});

let moved;
/** Every operation the page sends, for the messages of failed assertions. */
const operations = [];

test('a number is moved by dragging its marker', { skip: false }, async () => {
  assert.ok(signedIn, 'signed in');
  const before = await draft();
  // A street with several numbers, chosen from the draft itself.
  const counts = new Map();
  for (const n of before.numeros) counts.set(n.voie, (counts.get(n.voie) ?? 0) + 1);
  const voie = before.voies.filter((v) => v.type === 'voie' && (counts.get(v.id) ?? 0) >= 3).sort((a, b) => a.nom.localeCompare(b.nom))[0];
  assert.ok(voie, 'a street with numbers');
  await page.getByRole('searchbox', { name: 'Filtrer par nom' }).fill(voie.nom);
  await page.locator(`[id="ed-voie-${voie.id}"]`).click();
  await page.getByRole('heading', { level: 2, name: voie.nom }).waitFor();
  const numero = before.numeros.filter((n) => n.voie === voie.id && n.positions.length > 0).sort((a, b) => a.numero - b.numero)[0];
  await page.locator(`[id="ed-num-${numero.id}"]`).click();
  const marker = page.locator('#ed-drag-marker');
  await marker.waitFor({ state: 'visible' });
  await page.waitForTimeout(800); // the map settles on the street
  const b = await marker.boundingBox();
  const x = b.x + b.width / 2;
  const y = b.y + b.height - 4;
  const done = page.waitForResponse((r) => r.url().endsWith('/operations') && r.request().method() === 'POST');
  await page.mouse.move(x, y);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(x + 8 * i, y - 3 * i);
  await page.mouse.up();
  const res = await done;
  assert.equal(res.status(), 200, await res.text());
  const sent = JSON.parse(res.request().postData() ?? '{}');
  assert.equal(sent.op, 'move_numero');
  assert.equal(sent.numero, numero.id);
  await page.getByRole('status').filter({ hasText: /déplacé/ }).waitFor();
  const after = await draft();
  const now = after.numeros.find((n) => n.id === numero.id);
  assert.ok(now.positions[0].lon > numero.positions[0].lon + 1e-6, `moved east: ${numero.positions[0].lon} → ${now.positions[0].lon}`);
  assert.ok(now.positions[0].lat > numero.positions[0].lat + 1e-7, `moved north: ${numero.positions[0].lat} → ${now.positions[0].lat}`);
  assert.equal(after.version, before.version + 1, `one operation; sent: ${operations.join('\n')}`);
  moved = { numero, voie, to: now.positions[0] };
  await shot('editor-number-moved');
  await checkA11y('editor after a move');
});

test('invalid names and numbers are refused with the validator’s messages, before publishing', async () => {
  assert.ok(signedIn, 'signed in');
  const before = await draft();
  // A street name the validator refuses.
  const addForm = page.locator('form').filter({ has: page.locator('#ed-add-voie') });
  await page.locator('#ed-add-voie-nom').fill('Ru');
  let refused = page.waitForResponse((r) => r.url().endsWith('/operations'));
  await page.locator('#ed-add-voie').click();
  let res = await refused;
  assert.equal(res.status(), 422, await res.text());
  let messages = messagesOf(await res.json());
  assert.ok(messages.length > 0);
  for (const m of messages) await addForm.locator('[data-error-for="nom"]').filter({ hasText: m }).waitFor();
  assert.equal(await page.locator('#ed-add-voie-nom').getAttribute('aria-invalid'), 'true');
  figures.refusals = [{ input: 'nom=Ru', messages }];
  await shot('editor-invalid-name');
  await checkA11y('editor with a refused name');

  // A number the validator refuses (in the street of the previous step).
  await page.locator('#ed-add-numero').fill('100000');
  refused = page.waitForResponse((r) => r.url().endsWith('/operations'));
  await page.locator('#ed-add-numero-submit').click();
  res = await refused;
  assert.equal(res.status(), 422, await res.text());
  messages = messagesOf(await res.json());
  const numForm = page.locator('form').filter({ has: page.locator('#ed-add-numero') });
  for (const m of messages) await numForm.locator('[data-error-for="numero"]').filter({ hasText: m }).waitFor();
  assert.equal(await page.locator('#ed-add-numero').getAttribute('aria-invalid'), 'true');
  figures.refusals.push({ input: 'numero=100000', messages });
  await shot('editor-invalid-number');
  await checkA11y('editor with a refused number');
  const after = await draft();
  assert.equal(after.version, before.version, 'refused operations leave the draft unchanged');
});

test('a street is added, with a number with two typed positions, certified; undo reverts a rename', async () => {
  assert.ok(signedIn, 'signed in');
  await page.locator('#ed-add-voie-nom').fill(NEW_STREET);
  await page.locator('#ed-add-voie').click();
  await page.getByRole('heading', { level: 2, name: NEW_STREET }).waitFor();
  await page.locator('#ed-add-numero').fill('7');
  await page.locator('#ed-add-suffixe').fill('bis');
  await page.getByRole('button', { name: 'Ajouter une position' }).click();
  await page.locator('#ed-add-pos-1-type').selectOption('bâtiment');
  const lon = Number(await page.locator('#ed-add-pos-0-lon').inputValue());
  assert.ok(lon > 2.4 && lon < 2.6, `the new number starts at the centre of Bondy: ${lon}`);
  await page.locator('#ed-add-pos-1-lon').fill(String(Math.round((lon + 0.0001) * 1e7) / 1e7));
  await page.locator('#ed-add-numero-submit').click();
  await page.getByRole('heading', { level: 2, name: `Numéro 7 bis, ${NEW_STREET}` }).waitFor();
  let d = await draft();
  const voie = d.voies.find((v) => v.nom === NEW_STREET);
  assert.ok(voie, 'the street is in the draft');
  const added = d.numeros.find((n) => n.voie === voie.id && n.numero === 7 && n.suffixe === 'bis');
  assert.ok(added, 'the number is in the draft');
  assert.deepEqual(added.positions.map((p) => p.type), ['entrée', 'bâtiment']);
  assert.equal(added.certifie, false);
  // Certify every number of the street.
  await page.getByRole('searchbox', { name: 'Filtrer par nom' }).fill(NEW_STREET);
  await page.locator(`[id="ed-voie-${voie.id}"]`).click();
  await page.locator('#ed-certify-all').click();
  await page.getByRole('status').filter({ hasText: /certifiés?\./ }).waitFor();
  d = await draft();
  assert.equal(d.numeros.find((n) => n.id === added.id).certifie, true);
  // Rename, then undo.
  await page.getByText('Renommer', { exact: true }).first().click();
  await page.locator('#ed-rename-nom').fill('Allée Provisoire');
  await page.locator('#ed-rename').click();
  await page.getByRole('heading', { level: 2, name: 'Allée Provisoire' }).waitFor();
  await page.locator('#ed-undo').click();
  await page.getByRole('heading', { level: 2, name: NEW_STREET }).waitFor();
  d = await draft();
  assert.equal(d.voies.find((v) => v.id === voie.id).nom, NEW_STREET);
  await shot('editor-street-added');
  await checkA11y('editor with the new street');
});

let published;

test('the diff shows what will change, and publishing applies it', async () => {
  assert.ok(signedIn && moved, 'signed in, a number moved');
  await page.locator('#ed-review').click();
  await page.getByRole('heading', { level: 2, name: 'Ce qui va changer dans la base nationale' }).waitFor();
  const d = await draft();
  const diff = await api('GET', `/editor/drafts/${d.id}/diff`);
  assert.equal(diff.status, 200);
  const resume = diff.json.resume;
  assert.ok((resume['toponyme.created'] ?? 0) >= 1, JSON.stringify(resume));
  assert.ok((resume['address.created'] ?? 0) >= 1, JSON.stringify(resume));
  assert.ok((resume['address.changed'] ?? 0) >= 1, JSON.stringify(resume));
  const table = await page.locator('table').innerText();
  assert.match(table, /Voie créée\s+1/);
  assert.match(table, /Adresse créée/);
  await page.locator('#ed-publish').waitFor();
  await shot('editor-diff');
  await checkA11y('editor diff');
  const publishing = page.waitForResponse((r) => r.url().endsWith('/publish'), { timeout: 60_000 });
  await page.locator('#ed-publish').click();
  const res = await publishing;
  assert.equal(res.status(), 200, await res.text());
  published = await res.json();
  await page.getByRole('heading', { level: 2, name: 'Publication faite' }).waitFor();
  assert.match(await page.locator('main').innerText(), new RegExp(`révision ${published.revision}`));
  figures.published = published;
  // The draft is closed; the next one starts from the new revision.
  await page.locator('#ed-draft-info').filter({ hasText: `Brouillon version 0, à partir de la révision ${published.revision}` }).waitFor({ timeout: 60_000 });
  assert.equal(await page.locator('#ed-undo').isDisabled(), true);
  await shot('editor-published');
  await checkA11y('editor after publishing');
});

test('the change is found through /search/ and the feed', async () => {
  assert.ok(published, 'published');
  // The feed has the new street, the new number and the move.
  const changes = [];
  let since = 0;
  let head = 0;
  for (;;) {
    const feed = await api('GET', `/feed?commune=${BONDY}&since=${since}&limit=10000`);
    assert.equal(feed.status, 200, JSON.stringify(feed.json));
    changes.push(...feed.json.changes);
    head = feed.json.head;
    if (feed.json.changes.length === 0 || feed.json.next >= head) break;
    since = feed.json.next;
  }
  const street = changes.find((c) => c.kind === 'toponyme.created' && c.data?.name === NEW_STREET);
  assert.ok(street, `toponyme.created ${NEW_STREET} in the feed`);
  const number = changes.find((c) => c.kind === 'address.created' && c.data?.toponyme === street.id && c.data?.numero === 7 && c.data?.suffixe === 'bis');
  assert.ok(number, 'address.created 7 bis in the feed');
  assert.equal(number.data.certified, true);
  assert.equal(number.data.positions.length, 2);
  const move = changes.filter((c) => c.kind === 'address.changed' || c.kind === 'address.created').find((c) =>
    c.data?.numero === moved.numero.numero && Math.abs(c.data.positions[0].lon - moved.to.lon) < 1e-6 && Math.abs(c.data.positions[0].lat - moved.to.lat) < 1e-6);
  assert.ok(move, `the moved number ${moved.numero.numero} at its new position in the feed`);
  assert.ok(head >= published.curseur_feed, `feed head ${head} ≥ the publication's cursor ${published.curseur_feed}`);

  // The explorer finds the new address through /search/.
  await page.getByRole('link', { name: 'Explorer' }).click();
  await page.waitForURL(/\/$/);
  const box = page.getByRole('combobox', { name: /Rechercher une adresse/ });
  await box.click();
  await page.keyboard.type('7 bis allee rosa bonheur bondy', { delay: 20 });
  const option = page.getByRole('option').first();
  await option.waitFor();
  assert.match(await option.innerText(), /7 ?bis Allée Rosa Bonheur (93140 )?Bondy/);
  await shot('search-new-address');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: /7 ?bis Allée Rosa Bonheur/ }).waitFor();
  await page.getByText('Adresse créée').waitFor();
  await shot('new-address-page');
  await checkA11y('page of the new address');
  const search = await api('GET', '/search/?q=7+bis+allee+rosa+bonheur+bondy&limit=1');
  assert.equal(search.json.features[0].properties.citycode, BONDY);
  // The commune page now shows the publication.
  await page.getByRole('link', { name: /Bondy \(93010\)/ }).click();
  await page.getByText(new RegExp(`révision ${published.revision}`)).waitFor();
  await shot('commune-after-publication');
  await checkA11y('commune page after the publication');
});

test('English is available', async () => {
  await page.getByRole('button', { name: 'English' }).click();
  await page.getByRole('heading', { level: 1, name: /Bondy \(93010\)/ }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  await page.getByText('Addresses', { exact: true }).waitFor();
  await shot('english');
  await checkA11y('commune page in English');
  await page.getByRole('button', { name: 'Français' }).click();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'fr');
});

test('no page raised an uncaught error', () => {
  assert.deepEqual(figures.pageErrors ?? [], []);
});
