// Form fields with a label, a hint and an error region, and the display of the server's
// refusals next to the fields they name. Each error region is an aria-live region, so the
// message is read out when it appears; the field gets aria-invalid.

import { type HttpError, type Problem, fieldOf } from './api';
import { type Attrs, h, replace, uid } from './dom';

export interface Field {
  root: HTMLElement;
  input: HTMLInputElement | HTMLSelectElement;
  error: HTMLElement;
}

/** A labelled input; `key` names the field for the server's messages (`numero`, `nom`…). */
export function field(
  key: string,
  label: string,
  attrs: Attrs = {},
  opts: { hint?: string; select?: [string, string][]; checkbox?: boolean } = {},
): Field {
  const id = typeof attrs.id === 'string' ? attrs.id : uid(`f-${key}`);
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [opts.hint ? hintId : null, errorId].filter(Boolean).join(' ');
  let input: HTMLInputElement | HTMLSelectElement;
  if (opts.select) {
    const value = attrs.value;
    input = h('select', { name: key, 'aria-describedby': describedBy, ...attrs, id, value: null },
      opts.select.map(([v, text]) => h('option', { value: v, selected: v === value }, text)));
  } else {
    input = h('input', { name: key, type: opts.checkbox ? 'checkbox' : 'text', 'aria-describedby': describedBy, ...attrs, id });
  }
  input.dataset.field = key;
  const error = h('p', { id: errorId, class: 'field-error', 'aria-live': 'assertive' });
  error.dataset.errorFor = key;
  const root = opts.checkbox
    ? h('div', { class: 'field field-check' }, input, h('label', { for: id }, label), opts.hint ? h('p', { id: hintId, class: 'hint' }, opts.hint) : null, error)
    : h('div', { class: 'field' }, h('label', { for: id, class: 'label' }, label), opts.hint ? h('p', { id: hintId, class: 'hint' }, opts.hint) : null, input, error);
  return { root, input, error };
}

/** The region for messages that name no field of the form. */
export function formErrors(): HTMLElement {
  const el = h('div', { class: 'form-errors', 'aria-live': 'assertive' });
  el.dataset.errorFor = '*';
  return el;
}

/** Clears every message of `form`. */
export function clearProblems(form: HTMLElement): void {
  form.querySelectorAll<HTMLElement>('[data-error-for]').forEach((el) => {
    el.replaceChildren();
    el.classList.remove('has-error');
  });
  form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
}

/** Shows the server's messages next to the fields they name (else in the form's own region),
 * marks the fields invalid and focuses the first one. */
export function showProblems(form: HTMLElement, problems: Problem[]): void {
  clearProblems(form);
  const regions = new Map<string, HTMLElement>();
  form.querySelectorAll<HTMLElement>('[data-error-for]').forEach((el) => regions.set(el.dataset.errorFor ?? '', el));
  const byRegion = new Map<HTMLElement, string[]>();
  let firstInvalid: HTMLElement | null = null;
  for (const p of problems) {
    const key = p.field ?? fieldOf(p.text);
    const region = (key && regions.get(key)) || regions.get('*') || null;
    if (!region) continue;
    const list = byRegion.get(region) ?? [];
    list.push(p.text);
    byRegion.set(region, list);
    if (key && region !== regions.get('*')) {
      const input = form.querySelector<HTMLElement>(`[data-field="${key}"]`);
      if (input) {
        input.setAttribute('aria-invalid', 'true');
        firstInvalid ??= input;
      }
    }
  }
  for (const [region, texts] of byRegion) {
    region.classList.add('has-error');
    replace(region, texts.length === 1 ? texts[0] ?? '' : h('ul', null, texts.map((x) => h('li', null, x))));
  }
  firstInvalid?.focus();
}

/** Shows an error (`HttpError` or other) on `form`. */
export function showError(form: HTMLElement, e: unknown): void {
  if (e && typeof e === 'object' && 'problems' in e) {
    showProblems(form, (e as HttpError).problems);
  } else {
    showProblems(form, [{ text: e instanceof Error ? e.message : String(e), field: null }]);
  }
}
