// An autocomplete input following the WAI-ARIA combobox pattern (list autocomplete): the
// input keeps focus, the options are announced through aria-activedescendant, the number of
// results through a polite live region. Keys: ↓/↑ move (↓ opens), Enter picks, Escape
// closes (a second Escape clears), Home/End move in the text. Requests are debounced and
// the previous one is aborted, so a slow answer never replaces a newer one.

import { debounce, h, replace, uid } from './dom';
import { t } from './i18n';

export interface ComboboxOptions<T> {
  label: string;
  /** Text under the label (format, examples). */
  hint?: string;
  placeholder?: string;
  /** Fewest characters before asking. */
  minChars?: number;
  fetch: (q: string, signal: AbortSignal) => Promise<T[]>;
  /** Main text and secondary text (context) of an option. */
  render: (item: T) => { primary: string; secondary?: string };
  onPick: (item: T) => void;
  name?: string;
  initial?: string;
}

export interface Combobox {
  root: HTMLElement;
  input: HTMLInputElement;
  /** Shows an error next to the field (in its live region), or clears it. */
  setError: (message: string | null) => void;
}

export function combobox<T>(o: ComboboxOptions<T>): Combobox {
  const id = uid('cb');
  const listId = `${id}-list`;
  const hintId = `${id}-hint`;
  const statusId = `${id}-status`;
  const errorId = `${id}-error`;
  const minChars = o.minChars ?? 3;
  let items: T[] = [];
  let active = -1;
  let controller: AbortController | null = null;
  let lastQuery = '';

  const input = h('input', {
    id,
    name: o.name ?? 'q',
    type: 'text',
    role: 'combobox',
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-autocomplete': 'list',
    'aria-expanded': 'false',
    'aria-controls': listId,
    'aria-describedby': o.hint ? `${hintId} ${errorId}` : errorId,
    placeholder: o.placeholder,
    value: o.initial,
  });
  const list = h('ul', { id: listId, role: 'listbox', 'aria-label': o.label, class: 'cb-list', hidden: true });
  const status = h('p', { id: statusId, class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
  const error = h('p', { id: errorId, class: 'field-error', 'aria-live': 'assertive' });
  // The region where a form shows the server's messages about this field (forms.ts).
  error.dataset.errorFor = o.name ?? 'q';
  input.dataset.field = o.name ?? 'q';

  function setActive(i: number): void {
    active = i;
    list.querySelectorAll('[role=option]').forEach((el, j) => {
      el.setAttribute('aria-selected', String(j === i));
      if (j === i) el.scrollIntoView({ block: 'nearest' });
    });
    if (i >= 0) input.setAttribute('aria-activedescendant', `${id}-opt-${i}`);
    else input.removeAttribute('aria-activedescendant');
  }

  function close(): void {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    setActive(-1);
  }

  function open(): void {
    if (items.length === 0) return;
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
  }

  function pick(i: number): void {
    const item = items[i];
    if (item === undefined) return;
    input.value = o.render(item).primary;
    close();
    o.onPick(item);
  }

  function show(found: T[], q: string): void {
    items = found;
    replace(
      list,
      found.map((item, i) => {
        const { primary, secondary } = o.render(item);
        return h(
          'li',
          {
            id: `${id}-opt-${i}`,
            role: 'option',
            'aria-selected': 'false',
            class: 'cb-option',
            // mousedown, not click: the input keeps focus.
            onmousedown: (ev: MouseEvent) => {
              ev.preventDefault();
              pick(i);
            },
          },
          h('span', { class: 'cb-primary' }, primary),
          secondary ? h('span', { class: 'cb-secondary' }, secondary) : null,
        );
      }),
    );
    status.textContent = found.length === 0 ? t('search.none', { q }) : t('search.count', { n: String(found.length) });
    active = -1;
    input.removeAttribute('aria-activedescendant');
    if (found.length > 0 && document.activeElement === input) open();
    else close();
  }

  const query = debounce(async (q: string) => {
    controller?.abort();
    if (q.length < minChars) {
      show([], q);
      status.textContent = '';
      return;
    }
    const c = new AbortController();
    controller = c;
    input.setAttribute('aria-busy', 'true');
    try {
      const found = await o.fetch(q, c.signal);
      if (c.signal.aborted) return;
      error.textContent = '';
      input.removeAttribute('aria-invalid');
      show(found, q);
    } catch (e) {
      if (c.signal.aborted) return;
      show([], q);
      error.textContent = e instanceof Error ? e.message : String(e);
    } finally {
      if (controller === c) input.removeAttribute('aria-busy');
    }
  }, 150);

  input.addEventListener('input', () => {
    lastQuery = input.value.trim();
    query(lastQuery);
  });
  input.addEventListener('keydown', (ev) => {
    switch (ev.key) {
      case 'ArrowDown':
        ev.preventDefault();
        if (list.hidden) {
          open();
          if (!list.hidden) setActive(0);
        } else {
          setActive(active + 1 >= items.length ? 0 : active + 1);
        }
        break;
      case 'ArrowUp':
        ev.preventDefault();
        if (list.hidden) {
          open();
          if (!list.hidden) setActive(items.length - 1);
        } else {
          setActive(active <= 0 ? items.length - 1 : active - 1);
        }
        break;
      case 'Enter':
        if (!list.hidden && items.length > 0) {
          ev.preventDefault();
          pick(active >= 0 ? active : 0);
        }
        break;
      case 'Escape':
        if (!list.hidden) {
          ev.preventDefault();
          close();
        } else if (input.value) {
          ev.preventDefault();
          input.value = '';
          items = [];
          status.textContent = '';
        }
        break;
      case 'Tab':
        close();
        break;
      default:
    }
  });
  input.addEventListener('blur', () => close());
  input.addEventListener('focus', () => {
    if (items.length > 0 && input.value.trim() === lastQuery) open();
  });

  const root = h(
    'div',
    { class: 'cb' },
    h('label', { for: id, class: 'label' }, o.label),
    o.hint ? h('p', { id: hintId, class: 'hint' }, o.hint) : null,
    h('div', { class: 'cb-field' }, input, list),
    status,
    error,
  );
  return {
    root,
    input,
    setError: (message) => {
      error.textContent = message ?? '';
      if (message) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    },
  };
}
