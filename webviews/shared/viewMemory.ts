import { MAX_OPEN_KEYS, type ViewPlace } from '../../common/webviewProtocol';

// Where the user was on a page: its scroll position and which sections are open. The panels run
// without retainContextWhenHidden, so switching tabs destroys the page and builds it anew; the
// pages keep this small record with setState and put it back once they have rendered again.

/** The `attribute` of every open <details> under `root` that has one, in page order. */
export function openKeys(root: HTMLElement, attribute: string): string[] {
  return [...root.querySelectorAll(`details[open][${attribute}]`)]
    .map((details) => details.getAttribute(attribute)!)
    .slice(0, MAX_OPEN_KEYS);
}

/** Calls `changed` whenever a <details> under `root` opens or closes. */
export function watchToggles(root: HTMLElement, changed: () => void): void {
  // 'toggle' does not bubble: catch it on its way down.
  root.addEventListener('toggle', () => changed(), true);
}

/** Calls `save` with the page's scroll position as the user scrolls, at most every `everyMs`. */
export function watchScroll(window: Window, save: (scrollY: number) => void, everyMs = 150): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  window.addEventListener(
    'scroll',
    () => {
      if (timer !== undefined) return;
      timer = setTimeout(() => {
        timer = undefined;
        save(Math.round(window.scrollY));
      }, everyMs);
    },
    { passive: true },
  );
}

/**
 * A page's kept state: `set` once the page has loaded, then `update` merges a change in (none is
 * kept before the first `set`). The open sections (named by `attribute`) and the scroll position
 * are kept as they change.
 */
export function keptState<S extends ViewPlace>(
  host: { setState(state: unknown): void },
  root: HTMLElement,
  attribute: string,
): { set(state: S): void; update(change: Partial<S>): void } {
  let state: S | undefined;
  const set = (next: S) => {
    state = next;
    host.setState(state);
  };
  const update = (change: Partial<S>) => {
    if (state) set({ ...state, ...change });
  };
  watchToggles(root, () => update({ open: openKeys(root, attribute) } as Partial<S>));
  const window = root.ownerDocument.defaultView;
  if (window) watchScroll(window, (scrollY) => update({ scrollY } as Partial<S>));
  return { set, update };
}

/** Scrolls back to a saved position, unless the user has scrolled meanwhile. */
export function restoreScroll(window: Window, scrollY: number | undefined): void {
  if (scrollY === undefined || scrollY <= 0 || window.scrollY > 0) return;
  window.scrollTo(0, scrollY);
}
