import type { JobStatus, RepositoryStatus } from '../../../common/status';
import { statusWord } from '../../../common/statusText';
import { type Child, h } from '../../shared/dom';
import { routeHref } from '../routes';

// Small pieces the pages share.

export function statusBadge(document: Document, status: JobStatus | RepositoryStatus): HTMLElement {
  return h(document, 'span', { class: `status status-${status.toLowerCase()}` }, statusWord(status));
}

/** A time as the person's locale writes it, in a <time> that keeps the exact value. */
export function when(document: Document, iso: string): HTMLElement {
  const date = new Date(iso);
  return h(document, 'time', { datetime: iso }, Number.isNaN(date.getTime()) ? iso : date.toLocaleString());
}

export function alertBox(document: Document, text: string): HTMLElement {
  return h(document, 'p', { class: 'notice error', role: 'alert' }, text);
}

export function button(
  document: Document,
  label: string,
  onClick: () => void,
  attributes: Record<string, string | undefined> = {},
): HTMLButtonElement {
  const element = h(document, 'button', { type: 'button', ...attributes }, label);
  element.addEventListener('click', onClick);
  return element;
}

/** The way back: to the jobs, and to the job when there is one. */
export function breadcrumbNav(document: Document, jobId?: string, className = 'breadcrumbs'): HTMLElement {
  return h(
    document,
    'nav',
    { class: className, 'aria-label': 'Breadcrumbs' },
    h(document, 'a', { href: routeHref({ page: 'jobs' }) }, 'Jobs'),
    ...(jobId ? [' › ', h(document, 'a', { href: routeHref({ page: 'job', jobId }) }, 'Job')] : []),
  );
}

/** A page's header: the way back, then its title and what goes under it. */
export function headerWithCrumbs(document: Document, jobId: string | undefined, ...children: Child[]): HTMLElement {
  return h(document, 'header', { class: 'page' }, breadcrumbNav(document, jobId), ...children);
}
