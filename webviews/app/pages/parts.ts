import type { JobStatus, RepositoryStatus } from '../../../common/status';
import { statusWord } from '../../../common/statusText';
import { h } from '../../shared/dom';

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
