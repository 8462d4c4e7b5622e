import { threadProtocol } from '../../../common/webviewProtocol';
import { inPageHost } from '../../shared/host';
import { startThreadPage } from '../../thread/page';
import type { PageContext } from '../page';
import type { RepositoryRoute } from '../routes';
import { threadHandlers } from '../viewHandlers';
import { breadcrumbs, services, sessionState } from './views';

// The Claude thread page: the thread view of VS Code's panel. Loaded (with markdown-it) when a
// thread is first opened.

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
