import { revisionText } from '../../common/patchRevisionText';
import type { PatchRevisionRequest } from '../../common/schemas';
import type { DropScope, RevisionShown } from '../../common/webviewProtocol';
import { append, h, icon, statusLine } from '../shared/dom';
import type { DropMarks } from './drops';

// The diff view's revision line: which revision of the patch is shown, of how many, with a button
// to the original (revision 0, read-only) or back to the current one; and, while hunks or files are
// marked to drop, what is marked with Save as new revision and Clear. Saving resets the review.

export interface RevisionActions {
  /** Resolves with why it was not saved, or undefined once saved (the panel then shows the new revision). */
  revisePatch(request: PatchRevisionRequest): Promise<string | undefined>;
  /** The same marks, dropped from many repositories; resolves with what was done (or why not). */
  dropEverywhere(scope: 'group' | 'job', request: PatchRevisionRequest): Promise<string | undefined>;
  showRevision(revision: number): void;
  /** Clear was pressed: the marks are gone, the controls are to show it. */
  marksCleared(): void;
}

export interface RevisionBar {
  element: HTMLElement;
  /** The marks changed: show what is marked now. */
  update(): void;
}

export function revisionBar(
  document: Document,
  revision: RevisionShown | undefined,
  marks: DropMarks | undefined,
  actions: RevisionActions,
  /** Where the marks may go (default: this repository only). */
  scopes: readonly DropScope[] = ['repository'],
): RevisionBar {
  const element = h(document, 'section', { class: 'revision', 'aria-label': 'Patch revision' });
  const line = h(document, 'div', { class: 'toolbar revision-line' });
  const text = revision ? revisionText(revision) : undefined;
  if (revision && text) {
    append(line, icon(document, 'versions'), h(document, 'span', { id: 'revision-text' }, text));
    const other = revision.shown === 0 ? revision.current : 0;
    const go = h(
      document,
      'button',
      { type: 'button', id: other === 0 ? 'show-original' : 'show-current' },
      icon(document, other === 0 ? 'history' : 'arrow-right'),
      other === 0 ? 'Open the original (revision 0)' : `Back to the current revision (${revision.current})`,
    );
    go.addEventListener('click', () => actions.showRevision(other));
    append(line, go);
    if (revision.shown !== 0 && revision.shown !== revision.current) {
      const back = h(
        document,
        'button',
        { type: 'button', id: 'show-current' },
        icon(document, 'arrow-right'),
        `Back to the current revision (${revision.current})`,
      );
      back.addEventListener('click', () => actions.showRevision(revision.current));
      append(line, back);
    }
    append(element, line);
  }
  const summary = h(document, 'span', { id: 'drop-summary' });
  const save = h(
    document,
    'button',
    {
      type: 'button',
      class: 'primary',
      id: 'save-revision',
      'data-acts': true,
      title: 'Save the patch without them, as a new revision',
    },
    icon(document, 'save'),
    'Save as new revision',
  );
  const many = (scope: 'group' | 'job') =>
    h(
      document,
      'button',
      {
        type: 'button',
        id: `drop-${scope}`,
        'data-acts': true,
        // The primary action stays this repository's own revision where there is one.
        class: scopes.includes('repository') ? undefined : scope === 'group' ? 'primary' : undefined,
        title:
          scope === 'group'
            ? 'Leave the marked files out of every member of the change group (hunks: every hunk with the same change); one new revision each'
            : 'Leave them out of every repository of the job that has them; one new revision each',
      },
      icon(document, scope === 'group' ? 'layers' : 'globe'),
      scope === 'group' ? 'Drop from every member of the group' : 'Drop from every repository of the job',
    );
  const toGroup = scopes.includes('group') ? many('group') : undefined;
  const toJob = scopes.includes('job') ? many('job') : undefined;
  const clear = h(document, 'button', { type: 'button', id: 'clear-drops' }, icon(document, 'discard'), 'Clear');
  const { element: status, say } = statusLine(document, { class: 'revision-status', id: 'revision-status' });
  const drops = h(
    document,
    'div',
    { class: 'toolbar drop-line', hidden: true },
    icon(document, 'trash'),
    summary,
    h(
      document,
      'span',
      { class: 'muted' },
      scopes.includes('repository')
        ? ' · saving resets this repository’s review'
        : ' · each revision resets its review',
    ),
    h(document, 'span', { class: 'spacer' }),
    scopes.includes('repository') ? save : undefined,
    toGroup,
    toJob,
    clear,
  );
  append(element, marks ? drops : undefined, status);
  let saving = false;
  const update = () => {
    const said = marks?.summary();
    drops.hidden = said === undefined;
    summary.textContent = said ?? '';
    save.disabled = saving || !!marks?.dropsEverything();
    for (const button of [toGroup, toJob]) if (button) button.disabled = saving;
    if (marks?.dropsEverything()) say('That leaves nothing of the diff: reject the repository instead.', true);
    else if (status.classList.contains('error') && !saving) say('');
  };
  save.addEventListener('click', () => {
    const request = marks?.request(revision?.shown ?? 0);
    if (!request || saving) return;
    saving = true;
    update();
    say('Saving a new revision…');
    actions.revisePatch(request).then(
      (refused) => {
        saving = false;
        update();
        if (refused) say(refused, true);
      },
      (error: unknown) => {
        saving = false;
        update();
        say(error instanceof Error ? error.message : String(error), true);
      },
    );
  });
  for (const [scope, button] of [
    ['group', toGroup],
    ['job', toJob],
  ] as const)
    button?.addEventListener('click', () => {
      const request = marks?.request(revision?.shown ?? 0);
      if (!request || saving) return;
      saving = true;
      update();
      say(scope === 'group' ? 'Dropping from every member of the group…' : 'Dropping from every repository…');
      actions.dropEverywhere(scope, request).then(
        (message) => {
          saving = false;
          update();
          if (message) say(message);
        },
        (error: unknown) => {
          saving = false;
          update();
          say(error instanceof Error ? error.message : String(error), true);
        },
      );
    });
  clear.addEventListener('click', () => {
    marks?.clear();
    actions.marksCleared();
    update();
  });
  update();
  return { element, update };
}
