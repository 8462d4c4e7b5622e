import { h } from '../../shared/dom';
import { errorText, type PageContext, poll } from '../page';
import type { RepositoryRoute } from '../routes';
import { alertBox, headerWithCrumbs } from './parts';

// A repository's log, as the worker wrote it; re-read every few seconds while the repository runs.

const REFRESH_MS = 4000;

export async function renderLogPage(context: PageContext, route: RepositoryRoute): Promise<void> {
  const { document, root, client } = context;
  const { jobId, repositoryName, attempt } = route;
  context.setTitle(`Log: ${repositoryName}`);
  const text = h(document, 'pre', { class: 'log', tabindex: '0', 'aria-label': `Log of ${repositoryName}` });
  const errors = h(document, 'div');
  root.append(
    headerWithCrumbs(
      document,
      jobId,
      h(document, 'h1', { tabindex: '-1' }, `${repositoryName} · log`),
      attempt ? h(document, 'div', { class: 'muted' }, `Attempt ${attempt}`) : undefined,
    ),
    errors,
    text,
  );
  const read = async (): Promise<boolean> => {
    const [log, repository] = await Promise.all([
      client.getLog(jobId, repositoryName, { attempt }),
      client.getRepository(jobId, repositoryName),
    ]);
    if (text.textContent !== log) text.textContent = log || '(empty)';
    errors.replaceChildren();
    return attempt === undefined && (repository.status === 'RUNNING' || repository.status === 'PENDING');
  };
  const report = (error: unknown) => errors.replaceChildren(alertBox(document, errorText(error)));
  const running = await read().catch((error) => {
    report(error);
    return false;
  });
  root.removeAttribute('aria-busy');
  if (running) poll(context, REFRESH_MS, read, report);
}
