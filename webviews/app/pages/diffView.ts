import { diffProtocol } from '../../../common/webviewProtocol';
import { startDiffPage } from '../../diff/page';
import { inPageHost } from '../../shared/host';
import type { PageContext } from '../page';
import type { RepositoryRoute } from '../routes';
import { diffHandlers } from '../viewHandlers';
import { breadcrumbs, services, sessionState } from './views';

// The diff page: the diff view of VS Code's panel, with its handlers in the page. Loaded (with
// diff2html) when a diff is first opened.

export async function renderDiffPage(context: PageContext, route: RepositoryRoute) {
  context.setTitle(`Diff: ${route.repositoryName}`);
  const { jobId, repositoryName, attempt } = route;
  breadcrumbs(context, jobId);
  const host = inPageHost(
    diffProtocol,
    diffHandlers(services(context), { jobId, repositoryName, attempt, group: route.group, revision: route.revision }),
    sessionState(context.window, context.window.location.hash),
  );
  await startDiffPage(host, context.root);
}
