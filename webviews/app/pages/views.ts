import type { PageContext } from '../page';
import { breadcrumbNav } from './parts';

// What the pages of the views shared with VS Code have in common (diffView.ts, threadView.ts,
// createJobView.ts, each loaded when its page is first opened). The views, each in the page it has here: the same code as in a webview,
// given an in-page host whose handlers talk to the API (viewHandlers.ts). Their state (layout,
// open files, scroll place, the Create Job draft) is kept per address in sessionStorage, so Back
// returns to the same place, as switching tabs does in VS Code.

export function sessionState(window: Window, key: string) {
  const name = `cody-batch.view:${key}`;
  return {
    get: (): unknown => {
      try {
        return JSON.parse(window.sessionStorage.getItem(name) ?? 'null') ?? undefined;
      } catch {
        return undefined;
      }
    },
    set: (value: unknown) => {
      try {
        window.sessionStorage.setItem(name, JSON.stringify(value));
      } catch {
        // Storage full: the place is not kept, nothing else is lost.
      }
    },
  };
}

/** Above a repository view: the way back to its job (the view itself is the same as in VS Code). */
export function breadcrumbs(context: PageContext, jobId: string): void {
  const { document } = context;
  context.root.before(breadcrumbNav(document, jobId, 'breadcrumbs app-crumbs'));
}

export function services(context: PageContext) {
  return { client: context.client, window: context.window, navigate: context.navigate };
}
