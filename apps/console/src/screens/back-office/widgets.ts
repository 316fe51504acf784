import { clear, h } from '../../dom.js';
import type { ScreenContext } from '../../router.js';
import { DECISION_LABELS, PROPOSAL_LABELS } from '../jury/model.js';
import { ApiError } from '../../api.js';
import { fieldErrors, frenchMessage } from '../../errors.js';

/**
 * The small pieces the regulator's and the back office's screens are built
 * from: labelled fields whose errors sit next to them, tables with a caption,
 * a pager over the API's opaque cursors, and the French words for the API's
 * values. Everything here makes elements and sets classes; nothing writes a
 * style attribute from a string, which the console's CSP would block.
 */

let nextId = 0;
/** A document-unique id, so every input has a label pointing at it. */
export function uid(prefix: string): string {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

/** An input (or select, textarea) with its label, a hint and the slot its error appears in. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  if (!control.id) control.id = uid('champ');
  const errorId = `${control.id}-erreur`;
  const described = [errorId];
  let hintEl: HTMLElement | null = null;
  if (hint) {
    hintEl = h('span', { class: 'muted', id: `${control.id}-aide` }, hint);
    described.push(hintEl.id);
  }
  control.setAttribute('aria-describedby', described.join(' '));
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hintEl, h('span', { class: 'field-error', id: errorId, 'aria-live': 'polite' }));
}

export function input(name: string, props: Record<string, string | boolean> = {}): HTMLInputElement {
  const el = h('input', { name, type: 'text', ...props }) as HTMLInputElement;
  return el;
}

export function select(name: string, options: Array<[value: string, label: string]>, props: Record<string, string | boolean> = {}): HTMLSelectElement {
  return h('select', { name, ...props }, options.map(([value, label]) => h('option', { value }, label))) as HTMLSelectElement;
}

export function textarea(name: string, props: Record<string, string | boolean> = {}): HTMLTextAreaElement {
  return h('textarea', { name, rows: '3', ...props }) as HTMLTextAreaElement;
}

/** A region that reads out what a command answered (success or the French error). */
export function alertRegion(): HTMLElement {
  return h('div', { role: 'status', 'aria-live': 'polite' });
}

/**
 * Shows an API error on a form: the French message in the form's alert
 * region, and each validation fault next to the field it names (the
 * control's `name` is the API's field path). A 412 says the data changed
 * meanwhile: the message tells the user to reload, nothing is retried.
 */
export function showError(form: HTMLElement, alert: HTMLElement, error: unknown): void {
  clearErrors(form);
  alert.className = 'notice error';
  if (!(error instanceof ApiError)) {
    // A check the screen makes itself (no file chosen, no block ticked): its message is already French.
    alert.textContent = error instanceof Error ? error.message : String(error);
    return;
  }
  alert.textContent = frenchMessage(error);
  for (const [path, message] of Object.entries(fieldErrors(error))) {
    const control = form.querySelector<HTMLElement>(`[name="${cssEscape(path)}"]`);
    const slot = control ? form.querySelector<HTMLElement>(`#${cssEscape(control.id)}-erreur`) : null;
    if (control && slot) {
      slot.textContent = message;
      control.setAttribute('aria-invalid', 'true');
    }
  }
}

export function showSuccess(form: HTMLElement, alert: HTMLElement, message: string): void {
  clearErrors(form);
  alert.className = 'notice ok';
  alert.textContent = message;
}

function clearErrors(form: HTMLElement): void {
  for (const slot of Array.from(form.querySelectorAll<HTMLElement>('.field-error'))) slot.textContent = '';
  for (const control of Array.from(form.querySelectorAll<HTMLElement>('[aria-invalid]'))) control.removeAttribute('aria-invalid');
}

function cssEscape(value: string): string {
  return typeof CSS !== 'undefined' && CSS.escape ? CSS.escape(value) : value.replace(/[^A-Za-z0-9_-]/g, '\\$&');
}

/**
 * Runs a form's command once per submission: the submit button is disabled
 * while it runs (a double click sends nothing twice, and the Idempotency-Key
 * the caller sends makes a retried request harmless), errors land on the form.
 */
export function onSubmit(form: HTMLFormElement, alert: HTMLElement, run: () => Promise<string | void>): void {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const button = form.querySelector<HTMLButtonElement>('button[type="submit"]');
    if (button) button.disabled = true;
    run()
      .then((message) => {
        if (message) showSuccess(form, alert, message);
      })
      .catch((error: unknown) => showError(form, alert, error))
      .finally(() => {
        if (button) button.disabled = false;
      });
  });
}

/** A fresh key for one submission: the API answers a replay of it without writing twice. */
export function idempotencyKey(): string {
  return crypto.randomUUID();
}

/** The value of a form control by name ('' when absent). */
export function valueOf(form: HTMLElement, name: string): string {
  const control = form.querySelector<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>(`[name="${name}"]`);
  return control ? control.value.trim() : '';
}

export function table(caption: string, headers: string[], rows: Array<Array<Node | string | null>>, empty = 'Aucun élément.'): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'muted' }, empty);
  return h(
    'div',
    { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption },
    h(
      'table',
      {},
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, headers.map((title) => h('th', { scope: 'col' }, title)))),
      h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((cell) => h('td', {}, cell ?? '—'))))),
    ),
  );
}

/** "Page suivante" over an opaque cursor, and back to the first page; counts what was shown so far. */
export function pager(shownBefore: number, shownHere: number, next: string | null, go: (cursor: string | null, shown: number) => void): HTMLElement {
  const shown = shownBefore + shownHere;
  return h(
    'nav',
    { class: 'actions', 'aria-label': 'Pagination' },
    shown > 0 ? h('span', { class: 'muted' }, `${shownBefore + (shownHere ? 1 : 0)}–${shown} affichés${next ? ' (la liste continue)' : ''}`) : null,
    shownBefore > 0 ? h('button', { type: 'button', onClick: () => go(null, 0) }, 'Première page') : null,
    next ? h('button', { type: 'button', onClick: () => go(next, shown) }, 'Page suivante') : null,
  );
}

/**
 * A list the API pages with an opaque cursor, shown a page at a time in
 * `into` with its pager below. Returns what shows a page again (the first one
 * by default, after a command changed the list).
 */
export function pagedList<T>(ctx: ScreenContext, into: HTMLElement, path: (cursor: string | null) => string, render: (items: T[]) => Array<Node | null>): (cursor?: string | null) => Promise<void> {
  const show = async (cursor: string | null, shownBefore: number): Promise<void> => {
    const { body } = await ctx.api.get<{ items: T[]; next: string | null }>(path(cursor));
    clear(into);
    into.append(
      ...render(body.items).filter((n): n is Node => n !== null),
      pager(shownBefore, body.items.length, body.next, (c, n) => void show(c, n).catch((e) => ctx.notify(String(e?.message ?? e), 'error'))),
    );
  };
  return (cursor = null) => show(cursor, 0);
}

/** A counter with a progress bar, for lists of hundreds (decided blocks of a session, files loaded). */
export function progressCounter(label: string, done: number, total: number): HTMLElement {
  const id = uid('avancement');
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, `${label} : ${done} / ${total}`),
    h('progress', { id, max: String(Math.max(total, 1)), value: String(done) }),
  );
}

export function link(href: string, text: string): HTMLElement {
  return h('a', { href: `#${href}` }, text);
}

export function heading(text: string, level: 1 | 2 | 3 = 1): HTMLElement {
  return h(`h${level}`, {}, text);
}

export function section(title: string, ...children: Array<Node | string | null | false | undefined>): HTMLElement {
  return h('section', { class: 'card' }, h('h2', {}, title), ...children);
}

/** The jury screens' labels, in lower case for use inside a sentence: one wording of proposals and decisions in the console. */
const lowerCased = (labels: Record<string, string>) => Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, v.charAt(0).toLowerCase() + v.slice(1)]));
export const PROPOSALS: Record<string, string> = lowerCased(PROPOSAL_LABELS);
export const DECISIONS: Record<string, string> = lowerCased(DECISION_LABELS);
export const JURY_STATUSES: Record<string, string> = { convened: 'convoqué', open: 'délibération ouverte', closed: 'clos' };
export const REFERENTIAL_STATUSES: Record<string, string> = { draft: 'brouillon', published: 'publié', retired: 'retiré' };
export const ACCESS_ROUTES: Array<[string, string]> = [
  ['initial-training', 'Formation initiale'],
  ['apprenticeship', 'Apprentissage'],
  ['continuing-education', 'Formation continue'],
  ['vae', 'VAE'],
  ['independent', 'Candidat libre'],
];
export const ACCOMMODATION_TYPES: Array<[string, string]> = [
  ['extra-time', 'Temps majoré'],
  ['assistant', 'Assistant'],
  ['adapted-communication', 'Communication adaptée'],
  ['adapted-equipment', 'Matériel adapté'],
  ['personal-equipment', 'Matériel personnel'],
  ['other', 'Autre'],
];
export const ACCOMMODATION_STATUSES: Record<string, string> = { requested: 'demandé', opinion: 'avis rendu', 'opinion-given': 'avis rendu', granted: 'accordé', refused: 'refusé' };

export function label(table: Record<string, string> | Array<[string, string]>, value: string | null | undefined, none = '—'): string {
  if (value === null || value === undefined) return none;
  const map = Array.isArray(table) ? Object.fromEntries(table) : table;
  return map[value] ?? value;
}

/** A timestamp as Paris time, to the second (what a regulator compares with the PV). */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'medium' });
}

export function day(iso: string | null | undefined): string {
  if (!iso) return '—';
  const [y, m, d] = iso.slice(0, 10).split('-');
  return `${d}/${m}/${y}`;
}

/** `<input type="datetime-local">` gives local wall time without a zone: the API wants an instant with its offset. */
export function localToIso(value: string): string | null {
  if (!value) return null;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? null : at.toISOString();
}

/** The other way: an instant as the picker's local value, to the second. */
export function isoToLocal(iso: string): string {
  const at = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
}

/** The identity as the API served it to this reader, in one line. */
export function identityLine(identity: any): string {
  if (!identity) return '—';
  if (identity.status === 'pseudonymised') return identity.pseudonym;
  if (identity.status === 'erased') return `${identity.pseudonym} (effacé)`;
  const usage = identity.usageName ? ` (${identity.usageName})` : '';
  return `${identity.familyName}${usage} ${identity.givenName}`;
}

/** A list query string from the values that are set. */
export function qs(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') search.set(k, String(v));
  const text = search.toString();
  return text ? `?${text}` : '';
}

export function isApiError(error: unknown, status?: number): error is ApiError {
  return error instanceof ApiError && (status === undefined || error.status === status);
}

/** Hashes and one-line JSON have no spaces to break at: let them wrap anywhere (set through the CSSOM, which the CSP allows). */
export function wrapping<T extends HTMLElement>(el: T): T {
  el.style.overflowWrap = 'anywhere';
  return el;
}
