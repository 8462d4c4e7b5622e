import { ComposePanelState, type composeProtocol } from '../../common/webviewProtocol';
import { append, h, icon, pageHeader, showPageError, statusLine } from '../shared/dom';
import type { Host } from '../shared/host';

// A multi-line text in an editor tab: a revised prompt or command, a pull-request comment, a
// review note. The box takes the whole width and most of the height; Ctrl+Enter (Cmd+Enter) sends,
// Escape in the box does nothing (so it cannot lose the text), Cancel drops it. What was typed is
// kept with setState, so switching tabs (which rebuilds the page) loses nothing.

export async function startComposePage(host: Host<typeof composeProtocol>, root: HTMLElement): Promise<void> {
  const document = root.ownerDocument;
  try {
    const data = await host.client.request('load', {});
    const saved = ComposePanelState.catch({}).parse(host.getState() ?? {});
    const text = h(document, 'textarea', {
      id: 'compose-text',
      rows: 18,
      spellcheck: data.kind.toLowerCase().includes('markdown') || data.kind.toLowerCase().includes('words'),
      'aria-label': data.title,
      'aria-describedby': 'compose-prompt',
      placeholder: data.placeholder,
    });
    text.value = saved.text ?? data.value;
    const { element: status, say } = statusLine(document, { id: 'compose-status', class: 'compose-status' });
    const send = h(
      document,
      'button',
      { type: 'button', id: 'compose-send', class: 'primary' },
      icon(document, 'send'),
      data.sendLabel,
    );
    const cancel = h(document, 'button', { type: 'button', id: 'compose-cancel' }, 'Cancel');
    let busy = false;
    const submit = () => {
      if (busy) return;
      busy = true;
      send.disabled = true;
      say('Sending…');
      host.client.request('submit', { text: text.value }).then(
        (answer) => {
          busy = false;
          send.disabled = false;
          if (!answer.ok) say(answer.message ?? 'Not sent.', true);
        },
        (error: unknown) => {
          busy = false;
          send.disabled = false;
          say(error instanceof Error ? error.message : String(error), true);
        },
      );
    };
    send.addEventListener('click', submit);
    cancel.addEventListener('click', () => void host.client.request('cancel', {}));
    text.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        submit();
      }
    });
    text.addEventListener('input', () => {
      host.setState({ text: text.value } satisfies ComposePanelState);
      if (status.classList.contains('error')) say('');
    });
    root.replaceChildren();
    root.removeAttribute('aria-busy');
    append(
      root,
      pageHeader(document, data.title, h(document, 'p', { id: 'compose-prompt', class: 'muted' }, data.prompt)),
      text,
      h(
        document,
        'div',
        { class: 'toolbar' },
        send,
        cancel,
        h(document, 'span', { class: 'spacer' }),
        h(document, 'span', { class: 'muted' }, `${data.kind} · Ctrl+Enter sends`),
      ),
      status,
    );
    text.focus();
  } catch (error) {
    showPageError(root, error);
  }
}
