import type { RoundShown } from '../../common/webviewProtocol';
import { h, icon } from '../shared/dom';

// Above a follow-up round's diff: which round it is and what triggered it — the failing checks
// with their annotations and log tails, the review comments with the hunks they sit on, the base
// merged in, or the instruction — as the worker read them. All of it is the host's (or a
// reviewer's) text: it goes in as text nodes, never markup, and its addresses are shown, not linked.

export function roundSection(document: Document, round: RoundShown): HTMLElement {
  return h(
    document,
    'section',
    { class: 'follow-up-round', 'aria-label': 'Follow-up round' },
    h(document, 'h2', {}, icon(document, 'git-pull-request-go-to-changes'), ' ', round.heading),
    round.note ? h(document, 'p', { class: 'muted' }, round.note) : undefined,
    ...round.parts.map((part, index) =>
      h(
        document,
        'details',
        { class: 'trigger-part', open: index < 3 },
        h(
          document,
          'summary',
          {},
          h(document, 'strong', {}, part.title),
          part.where ? h(document, 'span', { class: 'where' }, ` · ${part.where}`) : undefined,
        ),
        part.text !== undefined ? h(document, 'pre', { class: 'trigger-text' }, part.text) : undefined,
        part.url ? h(document, 'p', { class: 'muted trigger-url' }, part.url) : undefined,
      ),
    ),
  );
}
