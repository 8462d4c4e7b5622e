import { FOLLOW_UP_ACTIONS } from '../../../common/followUps';
import {
  FOLLOW_UP_REASONS,
  type FollowUpPush,
  type FollowUpReason,
  MAX_FOLLOW_UP_INSTRUCTION_CHARS,
} from '../../../common/schemas';
import { composeProtocol } from '../../../common/webviewProtocol';
import { startComposePage } from '../../compose/page';
import { h } from '../../shared/dom';
import { inPageHost } from '../../shared/host';

// The web app's way to start follow-up rounds (VS Code's Fix Failing Checks…, Address Review…,
// Update Branches… and Send Instruction…): a modal dialog naming what it goes to, the reason (fixed
// when the button named one), whether the rounds' diffs wait for review or are pushed at once, and,
// for an instruction, the same multi-line text editor view VS Code opens in a tab (webviews/compose/).

export interface FollowUpChoice {
  reason: FollowUpReason;
  push: FollowUpPush;
  instruction?: string;
}

export interface FollowUpDialogOptions {
  /** `the job's open pull requests`, `the change group "38 repositories · the same change"`. */
  target: string;
  /** A button for one reason fixes it; absent: the dialog asks. */
  reason?: FollowUpReason;
  start(choice: FollowUpChoice): Promise<{ done: boolean; message?: string }>;
}

export function openFollowUpDialog(document: Document, options: FollowUpDialogOptions): HTMLDialogElement {
  const dialog = h(document, 'dialog', { class: 'follow-up-dialog', 'aria-labelledby': 'follow-up-title' });
  let reason: FollowUpReason = options.reason ?? 'checks';
  const body = h(document, 'div', { class: 'follow-up-body' });
  const pushAtOnce = h(document, 'input', { type: 'checkbox', id: 'follow-up-push' });
  const error = h(document, 'p', { class: 'notice error', role: 'alert', hidden: true });
  const close = () => {
    dialog.close();
    dialog.remove();
  };
  const start = async (instruction?: string) => {
    const answer = await options.start({
      reason,
      push: pushAtOnce.checked ? 'auto' : 'review',
      ...(instruction !== undefined ? { instruction } : {}),
    });
    if (answer.done) close();
    return answer;
  };
  const draw = () => {
    const action = FOLLOW_UP_ACTIONS[reason];
    body.replaceChildren();
    if (reason === 'instruction') {
      // The same text editor VS Code opens in a tab (webviews/compose/), answered in the page.
      const entry = h(document, 'div', { class: 'text-entry' });
      body.append(entry);
      void startComposePage(
        inPageHost(composeProtocol, {
          load: () => ({
            title: `Send an instruction to ${options.target}`,
            prompt:
              'Claude makes this change on each open pull request, starting from its head: one new ' +
              'commit on top, which waits for review before it is pushed unless you push at once.',
            value: '',
            sendLabel: 'Send instruction',
            kind: 'Plain words, for Claude',
            placeholder: 'Also update the CHANGELOG with one line about this change.',
          }),
          submit: async ({ text }) => {
            if (!text.trim()) return { ok: false, message: 'Write the instruction first.' };
            if (text.length > MAX_FOLLOW_UP_INSTRUCTION_CHARS)
              return { ok: false, message: `At most ${MAX_FOLLOW_UP_INSTRUCTION_CHARS} characters, please.` };
            const answer = await start(text);
            return { ok: answer.done, ...(answer.message ? { message: answer.message } : {}) };
          },
          cancel: () => {
            close();
            return { done: true };
          },
        }),
        entry,
      );
      return;
    }
    const go = h(document, 'button', { type: 'button', class: 'primary', id: 'follow-up-start' }, `Start rounds`);
    go.addEventListener('click', () => {
      go.disabled = true;
      void start()
        .then((answer) => {
          if (!answer.done) {
            error.hidden = false;
            error.textContent = answer.message ?? 'No round was started.';
          }
        })
        .finally(() => (go.disabled = false));
    });
    const cancel = h(document, 'button', { type: 'button' }, 'Cancel');
    cancel.addEventListener('click', close);
    body.append(
      h(
        document,
        'p',
        {},
        `${action.title.replace('…', '')} on ${options.target}: each round starts from its pull ` +
          `request's head and makes one commit on top, a fast-forward that never rewrites what is ` +
          `there. Those it does not apply to are skipped, each with why.`,
      ),
      h(document, 'div', { class: 'toolbar' }, go, cancel),
    );
  };
  const reasons = options.reason
    ? undefined
    : h(
        document,
        'fieldset',
        { class: 'follow-up-reasons' },
        h(document, 'legend', {}, 'What each round does'),
        ...FOLLOW_UP_REASONS.map((each) => {
          const input = h(document, 'input', {
            type: 'radio',
            name: 'follow-up-reason',
            value: each,
            id: `reason-${each}`,
          });
          input.checked = each === reason;
          input.addEventListener('change', () => {
            reason = each;
            draw();
          });
          return h(
            document,
            'label',
            { for: `reason-${each}` },
            input,
            ` ${FOLLOW_UP_ACTIONS[each].title.replace('…', '')}`,
          );
        }),
      );
  dialog.addEventListener('cancel', (event) => {
    event.preventDefault();
    close();
  });
  dialog.append(
    h(document, 'h2', { id: 'follow-up-title' }, `Follow up on ${options.target}`),
    ...(reasons ? [reasons] : []),
    h(
      document,
      'label',
      { class: 'follow-up-push' },
      pushAtOnce,
      ' Push each round at once (no review before it reaches the pull request)',
    ),
    error,
    body,
  );
  draw();
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}
