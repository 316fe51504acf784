/**
 * The one way screens build DOM: `h('button', { class: 'primary', onClick }, 'Valider')`.
 * Text children become text nodes (never parsed as HTML), so a candidate's name or a
 * motivation can never inject markup. Inline `style` attributes are blocked by the
 * console's Content-Security-Policy: a `style` object is applied through the CSSOM,
 * which the policy allows.
 */
export type Child = Node | string | number | null | undefined | false | Child[];

export type Props = Record<string, unknown> & {
  class?: string;
  style?: Partial<Record<'width' | 'height' | 'minWidth' | 'maxWidth', string>>;
};

/** Properties that must be set on the element, not as attributes, to reflect the current state. */
const LIVE_PROPERTIES = new Set(['value', 'checked', 'selected', 'indeterminate']);

export function h(tag: string, props?: Props | null, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'style' && typeof value === 'object') {
      Object.assign(el.style, value);
    } else if (/^on[A-Z]/.test(name) && typeof value === 'function') {
      el.addEventListener(name.slice(2).toLowerCase(), value as EventListener);
    } else if (LIVE_PROPERTIES.has(name)) {
      (el as unknown as Record<string, unknown>)[name] = value;
    } else if (name === 'class' || name === 'className') {
      el.setAttribute('class', String(value));
    } else if (name === 'for' || name === 'htmlFor') {
      el.setAttribute('for', String(value));
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/** Empties an element (and returns it, to refill in one expression). */
export function clear<T extends Node>(el: T): T {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}
