import { diffProtocol } from '../../../common/webviewProtocol';
import { startDiffPage } from '../../diff/page';
import { inPageHost, type PageHost } from '../../shared/host';
import type { PageContext } from '../page';
import type { RepositoryRoute } from '../routes';
import { diffHandlers } from '../viewHandlers';
import { LOOK_MS, watchPage } from '../viewWatch';
import { breadcrumbs, services, sessionState } from './views';

// The diff page: the diff view of VS Code's panel, with its handlers in the page. Loaded (with
// diff2html) when a diff is first opened.

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
