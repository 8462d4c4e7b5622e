import {
  type ActionProgress,
  type ActionSummary,
  ActionTally,
  type ActionWords,
  resultLine,
  summarizeResults,
} from '../../../common/actionResults';
import type { RepositoryActionResult } from '../../../common/schemas';
import { h } from '../../shared/dom';

// A job action on many repositories, as the job page shows it: a box with the count from its first
// second ("0 of 19 done", common/actionResults.ts's `ActionTally`, as VS Code's notification
// says it), each repository's result as it comes, then one summary; the repositories not done,
// with why, are one click away ("Show Not Done").

export interface ActionBox {
  element: HTMLElement;
  /** What the action reports as it goes. */
  progress: ActionProgress;
  /** The action ended: its summary, with the repositories not done one click away. */
  finish(results: readonly RepositoryActionResult[]): ActionSummary;
}

export function actionBox(
  document: Document,
  title: string,
  words: ActionWords,
  /** How many repositories the action was asked for, when known before it starts. */
  total: number | undefined,
): ActionBox {
  const tally = new ActionTally(total);
  const line = h(document, 'p', { class: 'progress-line' });
  const list = h(document, 'ol', { class: 'action-lines', 'aria-label': 'Each repository' });
  const element = h(
    document,
    'div',
    { class: 'notice', role: 'status', id: 'action-results', 'aria-busy': 'true' },
    line,
    list,
  );
  const show = (message = tally.line()) => {
    line.textContent = `${title}: ${message}`;
  };
  const add = (results: readonly RepositoryActionResult[]) => {
    for (const result of tally.add(results))
      list.append(h(document, 'li', { 'data-repository': result.repositoryName }, resultLine(result)));
  };
  show();
  return {
    element,
    progress: {
      add: (results) => {
        add(results);
        show();
      },
      waiting: (seconds, reason) => {
        tally.waiting(seconds, reason);
        show();
      },
      say: (message) => show(message),
    },
    finish: (results) => {
      // Results the progress did not see (an action that reports only at its end) are listed too.
      add(results);
      const summary = summarizeResults(results, words);
      element.removeAttribute('aria-busy');
      line.textContent = summary.message;
      if (summary.level === 'warning') element.classList.add('error');
      if (summary.notDone.length > 0) {
        const notDone = h(
          document,
          'ul',
          { id: 'not-done', hidden: true },
          ...summary.notDone.map((each) => h(document, 'li', {}, `${each.repositoryName} — ${each.reason}`)),
        );
        const toggle = h(
          document,
          'button',
          { type: 'button', id: 'show-not-done', 'aria-expanded': 'false', 'aria-controls': 'not-done' },
          'Show Not Done',
        );
        toggle.addEventListener('click', () => {
          notDone.hidden = !notDone.hidden;
          toggle.setAttribute('aria-expanded', String(!notDone.hidden));
          toggle.textContent = notDone.hidden ? 'Show Not Done' : 'Hide Not Done';
        });
        element.append(toggle, notDone);
      }
      return summary;
    },
  };
}
