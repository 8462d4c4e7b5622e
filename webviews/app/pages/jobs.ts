import { formatCost } from '../../../common/format';
import type { Job } from '../../../common/schemas';
import { ACTIVE_JOB_STATUSES } from '../../../common/status';
import { jobDescription, statusWord } from '../../../common/statusText';
import { h } from '../../shared/dom';
import { errorText, type PageContext, poll } from '../page';
import { routeHref } from '../routes';
import { alertBox, statusBadge, when } from './parts';

// The jobs page: the caller's jobs, newest first, a page of 25 at a time, with status, counts and
// cost. While one of them runs, the page re-reads itself every few seconds.

const PAGE_SIZE = 25;
const REFRESH_MS = 4000;

export async function renderJobsPage(context: PageContext, pageToken: string | undefined): Promise<void> {
  const { document, root, client } = context;
  context.setTitle('Jobs');
  const table = h(document, 'tbody');
  const pager = h(document, 'nav', { class: 'pager', 'aria-label': 'Pages of jobs' });
  const errors = h(document, 'div');
  root.append(
    h(
      document,
      'header',
      { class: 'page' },
      h(document, 'h1', { tabindex: '-1' }, 'Jobs'),
      h(
        document,
        'div',
        { class: 'toolbar' },
        h(document, 'a', { class: 'button primary', href: routeHref({ page: 'create' }) }, 'Create Job'),
      ),
    ),
    errors,
    h(
      document,
      'table',
      { class: 'jobs' },
      h(document, 'caption', { class: 'visually-hidden' }, 'Your jobs, newest first'),
      h(
        document,
        'thead',
        {},
        h(
          document,
          'tr',
          {},
          ...['Job', 'Status', 'Repositories', 'Created', 'Cost'].map((title) =>
            h(document, 'th', { scope: 'col' }, title),
          ),
        ),
      ),
      table,
    ),
    pager,
  );
  let statuses = new Map<string, string>();
  const show = async (): Promise<boolean> => {
    const page = await client.listJobs({ limit: PAGE_SIZE, nextToken: pageToken });
    table.replaceChildren(...page.items.map((job) => jobRow(document, job)));
    if (page.items.length === 0)
      table.append(
        h(
          document,
          'tr',
          {},
          h(document, 'td', { colspan: 5, class: 'muted' }, pageToken ? 'No more jobs.' : 'No jobs yet.'),
        ),
      );
    pager.replaceChildren(
      ...(pageToken ? [h(document, 'a', { href: routeHref({ page: 'jobs' }) }, 'Newest')] : []),
      ...(page.nextToken
        ? [h(document, 'a', { href: routeHref({ page: 'jobs', pageToken: page.nextToken }), rel: 'next' }, 'Older')]
        : []),
    );
    const now = new Map(page.items.map((job) => [job.jobId, job.status]));
    for (const job of page.items) {
      const before = statuses.get(job.jobId);
      if (before && before !== job.status) context.announce(`${job.name}: ${statusWord(job.status)}`);
    }
    statuses = now;
    errors.replaceChildren();
    return page.items.some((job) => ACTIVE_JOB_STATUSES.includes(job.status));
  };
  const report = (error: unknown) => errors.replaceChildren(alertBox(document, errorText(error)));
  root.removeAttribute('aria-busy');
  const running = await show().catch((error) => {
    report(error);
    return true;
  });
  if (running) poll(context, REFRESH_MS, show, report);
}

function jobRow(document: Document, job: Job): HTMLTableRowElement {
  return h(
    document,
    'tr',
    { 'data-job-id': job.jobId },
    h(
      document,
      'td',
      {},
      h(document, 'a', { href: routeHref({ page: 'job', jobId: job.jobId }) }, job.name),
      h(document, 'div', { class: 'muted small' }, job.jobId),
    ),
    h(document, 'td', {}, statusBadge(document, job.status)),
    h(document, 'td', {}, jobDescription(job)),
    h(document, 'td', {}, when(document, job.createdAt)),
    h(document, 'td', {}, formatCost(job.usage.costUsd)),
  );
}
