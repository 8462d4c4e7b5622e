// A tiny element builder. Text always goes in as text nodes, never as HTML, so nothing a model or a
// repository says can become markup. The few places that insert HTML (diff2html's output, markdown
// rendered with HTML disabled) say so where they do it.

export type Child = Node | string | number | false | null | undefined;
type Attributes = Record<string, string | number | boolean | undefined | null>;

export function h<K extends keyof HTMLElementTagNameMap>(
  document: Document,
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  const document = parent.ownerDocument ?? (parent as Document);
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

export function icon(document: Document, name: string, label?: string): HTMLElement {
  const element = h(document, 'span', {
    class: `codicon codicon-${name}`,
    'aria-hidden': label ? undefined : 'true',
    'aria-label': label,
    role: label ? 'img' : undefined,
  });
  return element;
}

/** The sticky header of a page: a title and lines under it. */
/** A live line that says how things went: `say` puts a message in it, an error as an alert. */
export function statusLine(
  document: Document,
  attributes: { id: string; class: string },
): { element: HTMLElement; say(message: string, error?: boolean): void } {
  const element = h(document, 'p', { ...attributes, role: 'status' });
  const say = (message: string, error = false) => {
    element.textContent = message;
    element.classList.toggle('error', error);
    element.setAttribute('role', error ? 'alert' : 'status');
  };
  return { element, say };
}

export function pageHeader(document: Document, title: string, ...lines: Child[]): HTMLElement {
  const header = h(document, 'header', { class: 'page' }, h(document, 'h1', {}, title), ...lines);
  trackHeaderHeight(header);
  return header;
}

/**
 * Keeps `--page-header-height` at the sticky header's height (it wraps on narrow panels), so that
 * what is scrolled to or focused stops below the header instead of under it (base.css).
 */
function trackHeaderHeight(header: HTMLElement): void {
  const window = header.ownerDocument.defaultView as (Window & typeof globalThis) | null;
  if (!window?.ResizeObserver) return;
  const root = header.ownerDocument.documentElement;
  // A header replaced by a re-render reports size 0 as it leaves: only the one on the page counts.
  new window.ResizeObserver(
    () => header.isConnected && root.style.setProperty('--page-header-height', `${header.offsetHeight}px`),
  ).observe(header);
}

/** A page that could not load: its error in place of the page, said to screen readers. */
export function showPageError(root: HTMLElement, error: unknown): void {
  root.removeAttribute('aria-busy');
  root.replaceChildren(
    h(
      root.ownerDocument,
      'p',
      { class: 'notice error', role: 'alert' },
      error instanceof Error ? error.message : String(error),
    ),
  );
}

/**
 * An error that leaves the page in place: said above it, to screen readers, instead of the last
 * one (`previous`: which earlier notices it replaces, e.g. not the diff's verification failure).
 */
export function showErrorAbove(root: HTMLElement, error: unknown, previous = '.notice.error'): void {
  root.removeAttribute('aria-busy');
  root.querySelector(previous)?.remove();
  root.prepend(
    h(
      root.ownerDocument,
      'p',
      { class: 'notice error', role: 'alert' },
      error instanceof Error ? error.message : String(error),
    ),
  );
}
