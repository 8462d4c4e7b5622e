import type { TextEntryRequest, textEntryProtocol } from '../../common/webviewProtocol';
import { h, pageHeader } from '../shared/dom';
import type { Host } from '../shared/host';

// One multi-line text for an action on many repositories: a follow-up's instruction today, and the
// same page for any other text an action sends (a comment, a prompt). What it is for is said above
// the editor, the limit is counted as one types, Ctrl/Cmd+Enter sends, Escape or Cancel backs out;
// the draft is kept with the view's state while the tab is hidden. Both hosts show it: a VS Code
// webview, and a dialog of the web app's job page.

interface TextValue extends HTMLElement {
  value: string;
}

export async function startTextEntryPage(host: Host<typeof textEntryProtocol>, root: HTMLElement): Promise<void> {
  const request = await host.client.request('load', {});
  renderTextEntry(root, request, {
    draft: (host.getState() as { text?: string } | undefined)?.text,
    keep: (text) => host.setState({ text }),
    submit: (text) => host.client.request('submit', { text }),
    cancel: () => host.client.request('cancel', {}).then(() => undefined),
  });
}

export interface TextEntryActions {
  /** The text kept from before (the tab was hidden), over the request's own draft. */
  draft?: string;
  keep(text: string): void;
  submit(text: string): Promise<{ done: boolean; message?: string }>;
  cancel(): Promise<void>;
}

/** `embedded`: inside another page's dialog, which has its own heading (no sticky page header). */
export function renderTextEntry(
  root: HTMLElement,
  request: TextEntryRequest,
  actions: TextEntryActions,
  options: { embedded?: boolean } = {},
): void {
  const document = root.ownerDocument;
  root.replaceChildren();
  root.removeAttribute('aria-busy');
  const editor = h(document, 'vscode-textarea' as 'textarea', {
    id: 'text',
    rows: 14,
    resize: 'vertical',
    placeholder: request.placeholder,
    'aria-describedby': 'text-count text-error',
  }) as unknown as TextValue;
  editor.value = actions.draft ?? request.text ?? '';
  const count = h(document, 'div', { id: 'text-count', class: 'muted count', 'aria-live': 'polite' });
  const error = h(document, 'div', { id: 'text-error', class: 'field-error', role: 'alert' });
  const submit = h(document, 'vscode-button' as 'button', { id: 'submit', icon: 'send' }, request.submitLabel);
  const cancel = h(document, 'vscode-button' as 'button', { id: 'cancel', secondary: true }, 'Cancel');
  let busy = false;

  const problem = (text: string): string | undefined => {
    if (!text.trim()) return 'Write the text first: it must not be empty.';
    if (text.length > request.maxLength)
      return `It is ${text.length.toLocaleString('en-US')} characters long: at most ${request.maxLength.toLocaleString('en-US')}.`;
    return undefined;
  };
  const update = () => {
    const text = editor.value ?? '';
    count.textContent = `${text.length.toLocaleString('en-US')} of ${request.maxLength.toLocaleString('en-US')} characters`;
    count.classList.toggle('over', text.length > request.maxLength);
    actions.keep(text);
  };
  const send = async () => {
    if (busy) return;
    const text = editor.value ?? '';
    const reason = problem(text);
    error.textContent = reason ?? '';
    if (reason) {
      editor.focus();
      return;
    }
    busy = true;
    submit.setAttribute('disabled', '');
    try {
      const answer = await actions.submit(text);
      if (!answer.done) error.textContent = answer.message ?? 'It was not sent.';
    } catch (failure) {
      error.textContent = failure instanceof Error ? failure.message : String(failure);
    } finally {
      busy = false;
      submit.removeAttribute('disabled');
    }
  };
  editor.addEventListener('input', update);
  editor.addEventListener('keydown', (event: KeyboardEvent) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void send();
    }
    if (event.key === 'Escape') void actions.cancel();
  });
  submit.addEventListener('click', () => void send());
  cancel.addEventListener('click', () => void actions.cancel());
  root.append(
    options.embedded ? h(document, 'h3', {}, request.title) : pageHeader(document, request.title),
    h(document, 'p', { class: 'intro' }, request.intro),
    h(
      document,
      'div',
      { class: 'field' },
      h(document, 'vscode-label' as 'label', { for: 'text' }, request.label),
      editor,
      count,
      error,
    ),
    h(
      document,
      'div',
      { class: 'actions' },
      submit,
      cancel,
      h(document, 'span', { class: 'muted' }, 'Ctrl+Enter sends'),
    ),
  );
  update();
  editor.focus();
}
