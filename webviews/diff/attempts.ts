import type { AttemptChoice } from '../../common/webviewProtocol';
import { append, h, icon } from '../shared/dom';

// The attempts of a repository as buttons, in the diff and thread views: earlier attempts stay
// readable after a retry, in the same panel.

/** "Attempt 1 · failed, Attempt 2 (shown)": the other attempts of the repository, each a button. */
export function attemptLinks(
  document: Document,
  data: { attempt?: number; attempts?: AttemptChoice[] },
  actions: { showAttempt(attempt: number): void },
): HTMLElement | undefined {
  if (!data.attempts || data.attempts.length < 2) return undefined;
  const nav = h(document, 'nav', { class: 'attempts toolbar', 'aria-label': 'Attempts' }, 'Attempts:');
  for (const choice of data.attempts) {
    const word = choice.status.toLowerCase().replace(/_/g, ' ');
    const button = h(
      document,
      'button',
      {
        type: 'button',
        'data-attempt': choice.attempt,
        'aria-current': choice.attempt === data.attempt ? 'true' : undefined,
        'aria-pressed': String(choice.attempt === data.attempt),
      },
      icon(document, 'history'),
      `Attempt ${choice.attempt} · ${word}`,
    );
    button.addEventListener('click', () => {
      if (choice.attempt !== data.attempt) actions.showAttempt(choice.attempt);
    });
    append(nav, button);
  }
  return nav;
}
