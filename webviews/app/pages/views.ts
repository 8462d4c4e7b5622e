import { createJobProtocol, diffProtocol, threadProtocol } from '../../../common/webviewProtocol';
import { startCreateJobPage } from '../../createJob/page';
import { startDiffPage } from '../../diff/page';
import { inPageHost, type PageHost } from '../../shared/host';
import { startThreadPage } from '../../thread/page';
import { h } from '../../shared/dom';
import type { PageContext } from '../page';
import { type RepositoryRoute, routeHref } from '../routes';
import { createJobHandlers, diffHandlers, threadHandlers } from '../viewHandlers';
import { LOOK_MS, watchPage } from '../viewWatch';

// The views shared with VS Code, each in the page it has here: the same code as in a webview,
// given an in-page host whose handlers talk to the API (viewHandlers.ts). Their state (layout,
// open files, scroll place, the Create Job draft) is kept per address in sessionStorage, so Back
// returns to the same place, as switching tabs does in VS Code.

function sessionState(window: Window, key: string) {
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
function breadcrumbs(context: PageContext, jobId: string): void {
  const { document } = context;
  context.root.before(
    h(
      document,
      'nav',
      { class: 'breadcrumbs app-crumbs', 'aria-label': 'Breadcrumbs' },
      h(document, 'a', { href: routeHref({ page: 'jobs' }) }, 'Jobs'),
      ' › ',
      h(document, 'a', { href: routeHref({ page: 'job', jobId }) }, 'Job'),
    ),
  );
}

export function services(context: PageContext) {
  return { client: context.client, window: context.window, navigate: context.navigate };
}

export async function renderDiffPage(context: PageContext, route: RepositoryRoute) {
  context.setTitle(`Diff: ${route.repositoryName}`);
  const { jobId, repositoryName, attempt } = route;
  breadcrumbs(context, jobId);
  // The page says "this changed — reload" when a look finds what it painted is not what is there.
  let host: PageHost<typeof diffProtocol> | undefined;
  const watch = watchPage(context, {
    jobId,
    // A group's look reads the job's change groups: less often.
    intervalMs: route.group ? 3 * LOOK_MS : LOOK_MS,
    say: (message) => host?.emit('changed', { message }),
  });
  host = inPageHost(
    diffProtocol,
    diffHandlers(
      services(context),
      { jobId, repositoryName, attempt, group: route.group, revision: route.revision },
      watch,
    ),
    sessionState(context.window, context.window.location.hash),
  );
  await startDiffPage(host, context.root);
}

export async function renderThreadPage(context: PageContext, route: RepositoryRoute) {
  context.setTitle(`Thread: ${route.repositoryName}`);
  const { jobId, repositoryName, attempt } = route;
  breadcrumbs(context, jobId);
  const host = inPageHost(
    threadProtocol,
    threadHandlers(services(context), { jobId, repositoryName, attempt }),
    sessionState(context.window, context.window.location.hash),
  );
  const page = await startThreadPage(host, context.root);
  context.onLeave(() => page.stop());
}

export async function renderCreateJobPage(context: PageContext) {
  context.setTitle('Create Job');
  const host = inPageHost(
    createJobProtocol,
    createJobHandlers(services(context), context.apiUrl),
    sessionState(context.window, 'createJob'),
  );
  await startCreateJobPage(host, context.root);
}
