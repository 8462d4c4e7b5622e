import type { DiffReview, Direction } from '../../common/webviewProtocol';
import { append, h, icon } from '../shared/dom';

// The diff view's review line, in its sticky header: how far the job's review has come ("12 of 40
// reviewed"), this repository's review and note, Approve and Reject with an optional note, and
// the buttons that step through files and repositories (also commands with keybindings).

export interface ReviewBarData {
  review?: DiffReview;
  progress?: string;
  previousRepository?: string;
  nextRepository?: string;
  notice?: string;
  /** Why this page offers no review (a group view, an earlier revision); default: an earlier attempt. */
  reviewUnavailable?: string;
}

export interface ReviewBarActions {
  /** Resolves when the extension has recorded the review (and moved the panel on). */
  review(state: 'approved' | 'rejected', note: string): Promise<void>;
  showRepository(direction: Direction): Promise<string | undefined>;
  goToFile(direction: Direction): void;
}

export interface ReviewBar {
  element: HTMLElement;
  /** Approve or Reject from the keyboard: as the buttons, with the note typed. */
  review(state: 'approved' | 'rejected'): void;
  /** Says something in the status line (a file navigation's "this is the last file"). */
  say(message: string, error?: boolean): void;
}

const STATE_LOOK = {
  unreviewed: ['circle-large-outline', 'Not reviewed'],
  approved: ['pass-filled', 'Approved'],
  rejected: ['close', 'Rejected'],
} as const;

export function reviewBar(
  document: Document,
  data: ReviewBarData,
  actions: ReviewBarActions,
  hasFiles: boolean,
): ReviewBar {
  const status = h(document, 'p', { class: 'review-status', id: 'review-status', role: 'status' }, data.notice);
  const say = (message: string, error = false) => {
    status.textContent = message;
    status.classList.toggle('error', error);
    status.setAttribute('role', error ? 'alert' : 'status');
  };
  const button = (id: string, iconName: string, label: string, title?: string, primary = false, acts = false) =>
    h(
      document,
      'button',
      { type: 'button', id, class: primary ? 'primary' : undefined, title: title ?? label, 'data-acts': acts },
      icon(document, iconName),
      label,
    );

  const element = h(document, 'section', { class: 'review', 'aria-label': 'Review' });
  const line = h(document, 'div', { class: 'toolbar review-line' });
  append(element, line);
  if (data.progress) append(line, h(document, 'span', { id: 'review-progress', class: 'progress' }, data.progress));

  let reviewing = false;
  const reviewButtons: HTMLButtonElement[] = [];
  let note: HTMLInputElement | undefined;
  const review = (state: 'approved' | 'rejected') => {
    if (!data.review) {
      say(data.reviewUnavailable ?? 'This is an earlier attempt: open the current one to review it.', true);
      return;
    }
    if (reviewing) return;
    reviewing = true;
    for (const each of reviewButtons) each.disabled = true;
    say(state === 'approved' ? 'Approving…' : 'Rejecting…');
    actions.review(state, note?.value ?? '').then(
      () => undefined,
      (error: unknown) => {
        reviewing = false;
        for (const each of reviewButtons) each.disabled = false;
        say(error instanceof Error ? error.message : String(error), true);
      },
    );
  };

  if (data.review) {
    const [iconName, word] = STATE_LOOK[data.review.state];
    append(
      line,
      h(
        document,
        'span',
        { id: 'review-state', class: `review-state state-${data.review.state}` },
        icon(document, iconName),
        word,
        data.review.note ? h(document, 'span', { class: 'muted review-note' }, ` — ${data.review.note}`) : undefined,
      ),
    );
    note = h(document, 'input', {
      type: 'text',
      id: 'review-note',
      maxlength: 2000,
      placeholder: 'Note (optional)',
      'aria-label': 'Review note (optional)',
      'data-acts': true,
      // A fresh note for each review: an old rejection's words never ride along with an Approve.
      value: '',
    });
    const approve = button(
      'approve',
      'check',
      'Approve',
      'Approve this diff and go to the next unreviewed repository',
      true,
      true,
    );
    const reject = button(
      'reject',
      'close',
      'Reject',
      'Reject this diff and go to the next unreviewed repository',
      false,
      true,
    );
    approve.addEventListener('click', () => review('approved'));
    reject.addEventListener('click', () => review('rejected'));
    note.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) review('approved');
    });
    reviewButtons.push(approve, reject);
    append(line, note, h(document, 'span', { class: 'review-buttons' }, approve, reject));
  }

  const stepper = h(document, 'span', { class: 'segmented', role: 'group', 'aria-label': 'Go to' });
  const step = (direction: Direction, target: string | undefined) => {
    const label = direction === 'next' ? 'Next repository' : 'Previous repository';
    const go = button(
      `${direction}-repository`,
      direction === 'next' ? 'arrow-right' : 'arrow-left',
      direction === 'next' ? 'Next repo' : 'Previous repo',
      target ? `${label}: ${target}` : `${label}: none`,
    );
    go.disabled = target === undefined;
    go.addEventListener('click', () => {
      void actions.showRepository(direction).then(
        (message) => message && say(message),
        (error: unknown) => say(error instanceof Error ? error.message : String(error), true),
      );
    });
    return go;
  };
  if (hasFiles) {
    const file = (direction: Direction) => {
      const go = button(
        `${direction}-file`,
        direction === 'next' ? 'arrow-down' : 'arrow-up',
        direction === 'next' ? 'Next file' : 'Previous file',
        `${direction === 'next' ? 'Next' : 'Previous'} file (Alt+${direction === 'next' ? 'Down' : 'Up'})`,
      );
      go.addEventListener('click', () => actions.goToFile(direction));
      return go;
    };
    append(stepper, file('previous'), file('next'));
  }
  append(stepper, step('previous', data.previousRepository), step('next', data.nextRepository));
  append(line, h(document, 'span', { class: 'spacer' }), stepper);
  append(element, status);
  return { element, review, say };
}
