import { roundSection } from './roundSection';
import { html as diffToHtml } from 'diff2html';
import { filePath, parseHunks, parsePatch, patchTotals, type FilePatch } from '../../common/patch';
import type {
  AttemptChoice,
  DiffLayout,
  Direction,
  DropScope,
  GroupShown,
  RevisionShown,
  RoundShown,
} from '../../common/webviewProtocol';
import type { RepositoryError } from '../../common/schemas';
import { formatBytes, formatCount } from '../../common/format';
import { append, h, icon, pageHeader } from '../shared/dom';
import { attemptLinks } from './attempts';
import { DropMarks } from './drops';
import { groupSection, type GroupSectionActions } from './groupSection';
import { levelSides } from './diffRows';
import { decorateHunks, dropFileButton, refreshDrops } from './hunkDrops';
import { revisionBar, type RevisionActions } from './revisionBar';
import { reviewBar, type ReviewBar, type ReviewBarActions, type ReviewBarData } from './reviewBar';

// The diff view: a header with totals and actions, a collapsible list of files, and one
// collapsible section per file. A file's diff is turned into HTML (by diff2html) only when its
// section is opened, so a 5 MB patch shows its file list at once; small patches open by themselves.
// A file marked Viewed collapses, and stays so for this reviewer and patch (the extension keeps it).
// On a revisable patch each file and hunk has a Drop toggle (hunkDrops.ts) and the revision line
// saves what is marked as a new revision (revisionBar.ts); in group mode the group's section
// (groupSection.ts) comes above the representative's diff.

export interface DiffViewData extends ReviewBarData {
  jobId: string;
  repositoryName: string;
  jobName: string;
  patch?: string;
  pullRequestUrl?: string;
  /** The attempt shown, and every attempt of the repository (oldest first). */
  attempt?: number;
  attempts?: AttemptChoice[];
  /** The change was kept though its verification failed: shown above it, and not offered to apply. */
  failure?: RepositoryError;
  /** The files marked Viewed: they start collapsed, their box ticked. */
  viewed?: readonly string[];
  /** Group mode: the change group this diff stands for. */
  group?: GroupShown;
  /** The revision of the patch shown, of how many. */
  revision?: RevisionShown;
  /** Hunks and files may be marked to drop and saved as a new revision. */
  revisable?: boolean;
  /** Where marked hunks and files may go besides (a group view: only its members, the job). */
  dropScopes?: DropScope[];
  /** A follow-up round: what triggered it, shown above its diff. */
  round?: RoundShown;
}

/** Below this width a side-by-side diff is shown line by line, as VS Code's diff editor does. */
export const NARROW_WIDTH = 900;

export interface DiffViewActions
  extends Omit<ReviewBarActions, 'goToFile'>,
    GroupSectionActions,
    Omit<RevisionActions, 'marksCleared'> {
  openInDiffEditor(path: string): void;
  apply(): void;
  download(): void;
  openPullRequest(): void;
  layoutChanged(layout: DiffLayout): void;
  showAttempt(attempt: number): void;
  viewedChanged(path: string, viewed: boolean): void;
  /** Load the page again (after "this changed"). */
  reload(): void;
}

export interface DiffViewOptions {
  layout: DiffLayout;
  /** Files open by themselves until this much patch text is shown. */
  autoOpenBytes?: number;
  /** …and at most this many files. */
  autoOpenFiles?: number;
  /** A file this large waits for a click even when opened, with a warning. */
  largeFileBytes?: number;
  /** Patch text rendered before the first paint, and per task after it. */
  sliceBytes?: number;
  /** Side by side turns line by line below this width (default NARROW_WIDTH). */
  narrowWidth?: number;
  /**
   * The files (paths) that were open when the page was last shown. When given, exactly these
   * open, instead of the small-patch rule.
   */
  open?: readonly string[];
}

export interface DiffView {
  files: FilePatch[];
  setLayout(layout: DiffLayout): void;
  /** The layout shown now (line by line in a narrow pane, whatever was chosen). */
  layout(): DiffLayout;
  /** How many file sections hold rendered diff HTML. */
  renderedCount(): number;
  /** Resolves once the files opened at the start have rendered (the page has its full height). */
  settled: Promise<void>;
  /** Opens and scrolls to the next or previous file; false at the end. */
  goToFile(direction: Direction): boolean;
  review: ReviewBar;
  /**
   * What the page shows changed since it was painted: says so with a Reload button, and every
   * action (review, apply, download, drops) is off until the page loads again.
   */
  stale(message: string): void;
}

/** Marks the controls that act on what is shown (as opposed to moving around in it). */
export const ACTS = 'data-acts';

const staleGuards = new WeakMap<HTMLElement, (event: Event) => void>();

const KIND_ICONS: Record<FilePatch['kind'], [string, string]> = {
  added: ['diff-added', 'added'],
  deleted: ['diff-removed', 'deleted'],
  modified: ['diff-modified', 'modified'],
  renamed: ['diff-renamed', 'renamed'],
  copied: ['diff-added', 'copied'],
};

export function renderDiffView(
  root: HTMLElement,
  data: DiffViewData,
  options: DiffViewOptions,
  actions: DiffViewActions,
): DiffView {
  const document = root.ownerDocument;
  const autoOpenBytes = options.autoOpenBytes ?? 200_000;
  const autoOpenFiles = options.autoOpenFiles ?? 40;
  const largeFileBytes = options.largeFileBytes ?? 1_000_000;
  const sliceBytes = options.sliceBytes ?? 40_000;
  const window = document.defaultView;
  const narrowWidth = options.narrowWidth ?? NARROW_WIDTH;
  // The layout the user chose, and the one shown: side by side is shown line by line in a narrow pane.
  let chosen = options.layout;
  const narrow = () => (window ? window.innerWidth < narrowWidth : false);
  const effective = () => (chosen === 'side-by-side' && narrow() ? 'line-by-line' : chosen);
  let layout: DiffLayout = effective();
  root.replaceChildren();
  root.removeAttribute('aria-busy');

  const files = data.patch ? parsePatch(data.patch) : [];
  const totals = patchTotals(files);
  // What the reviewer marked to drop, on a patch that can take a new revision.
  const hunkCounts = new Map(files.map((file) => [filePath(file), file.binary ? 1 : parseHunks(file.text).length]));
  const readOnly = !!data.failure || (!!data.revision && data.revision.shown !== data.revision.current);
  const scopes = data.dropScopes ?? (data.revisable ? ['repository'] : []);
  const marks = scopes.length > 0 && files.length > 0 && !readOnly ? new DropMarks(hunkCounts) : undefined;
  const revision = revisionBar(
    document,
    data.revision,
    marks,
    {
      ...actions,
      marksCleared: () => marks && refreshDrops(root, marks),
    },
    scopes,
  );
  const marksChanged = () => {
    if (!marks) return;
    refreshDrops(root, marks);
    revision.update();
  };

  const layoutButtons = (['side-by-side', 'line-by-line'] as const).map((value) =>
    h(
      document,
      'button',
      { type: 'button', 'data-layout': value, 'aria-pressed': String(value === chosen) },
      icon(document, value === 'side-by-side' ? 'split-horizontal' : 'list-flat'),
      value === 'side-by-side' ? 'Side by side' : 'Line by line',
    ),
  );
  const applyButton = h(
    document,
    'button',
    { type: 'button', class: 'primary', id: 'apply', 'data-acts': true },
    icon(document, 'repo-pull'),
    // In a group view they act on the representative: said, not done silently.
    data.group ? `Apply ${data.repositoryName}'s patch` : 'Apply to local checkout',
  );
  const downloadButton = h(
    document,
    'button',
    { type: 'button', id: 'download', 'data-acts': true },
    icon(document, 'cloud-download'),
    data.group ? `Download ${data.repositoryName}'s patch` : 'Download patch',
  );
  const prButton = data.pullRequestUrl
    ? h(document, 'button', { type: 'button', id: 'open-pr' }, icon(document, 'git-pull-request'), 'Open pull request')
    : undefined;
  // Each named as its codicon.
  const iconButton = (id: string, label: string) =>
    h(document, 'button', { type: 'button', id }, icon(document, id), label);
  const expandAll = iconButton('expand-all', 'Expand all');
  const collapseAll = iconButton('collapse-all', 'Collapse all');
  const narrowNote = h(
    document,
    'span',
    { class: 'muted narrow-note', id: 'narrow-note', hidden: layout === chosen },
    'Line by line: the pane is narrow',
  );
  const attemptNav = attemptLinks(document, data, actions);
  let goToFile: (direction: Direction) => boolean = () => false;
  const review = reviewBar(
    document,
    {
      ...data,
      reviewUnavailable: data.group
        ? 'This is a group view: Approve group or Reject group reviews its repositories; open one to review it alone.'
        : data.revision && data.revision.shown !== data.revision.current
          ? 'This is an earlier revision: open the current one to review it.'
          : undefined,
    },
    {
      ...actions,
      goToFile: (direction) => {
        if (!goToFile(direction)) review.say(`This is the ${direction === 'next' ? 'last' : 'first'} file.`);
      },
    },
    files.length > 0,
  );
  applyButton.addEventListener('click', () => actions.apply());
  downloadButton.addEventListener('click', () => actions.download());
  prButton?.addEventListener('click', () => actions.openPullRequest());

  // Once what the page shows has changed elsewhere, nothing on it acts until it loads again.
  let staleMessage: string | undefined;
  const guardedReview: ReviewBar = {
    ...review,
    review: (state) =>
      staleMessage ? review.say(`${staleMessage} Reload to review what is there now.`, true) : review.review(state),
  };
  const blockStale = (event: Event) => {
    if (staleMessage && (event.target as Element | null)?.closest?.(`[${ACTS}]`)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  };
  // One guard per page: the root is painted again on every load.
  const previousGuard = staleGuards.get(root);
  if (previousGuard) root.removeEventListener('click', previousGuard, true);
  staleGuards.set(root, blockStale);
  root.addEventListener('click', blockStale, true);
  const stale = (message: string) => {
    staleMessage = message;
    root.classList.add('is-stale');
    for (const control of root.querySelectorAll<HTMLButtonElement | HTMLInputElement>(`[${ACTS}]`))
      control.disabled = true;
    const reload = h(
      document,
      'button',
      { type: 'button', id: 'reload-view', class: 'primary' },
      icon(document, 'refresh'),
      'Reload',
    );
    reload.addEventListener('click', () => {
      reload.disabled = true;
      actions.reload();
    });
    root.querySelector('#stale-notice')?.remove();
    header.prepend(
      h(
        document,
        'div',
        { class: 'notice stale', id: 'stale-notice', role: 'alert' },
        icon(document, 'warning'),
        ' ',
        h(document, 'span', {}, `${message} Nothing here acts until the view shows what is there now.`),
        ' ',
        reload,
      ),
    );
  };

  const header = pageHeader(
    document,
    data.repositoryName,
    h(
      document,
      'div',
      { class: 'muted summary' },
      `${data.jobName} · `,
      data.attempts && data.attempts.length > 1 ? `attempt ${data.attempt} of ${data.attempts.length} · ` : undefined,
      files.length === 0
        ? 'no changes'
        : `${formatCount(totals.files)} ${totals.files === 1 ? 'file' : 'files'} changed, `,
      files.length > 0 ? h(document, 'span', { class: 'additions' }, `+${formatCount(totals.additions)}`) : undefined,
      files.length > 0 ? ' ' : undefined,
      files.length > 0 ? h(document, 'span', { class: 'deletions' }, `−${formatCount(totals.deletions)}`) : undefined,
      data.patch ? ` · ${formatBytes(data.patch.length)}` : undefined,
    ),
    attemptNav,
    data.group ? groupSection(document, data.group, actions) : undefined,
    review.element,
    revision.element,
    files.length > 0
      ? h(
          document,
          'div',
          { class: 'toolbar' },
          // A change whose verification failed is there to be read, not applied; so is an earlier
          // revision (apply and download take the current one).
          readOnly ? undefined : applyButton,
          readOnly ? undefined : downloadButton,
          prButton,
          h(document, 'span', { class: 'spacer' }),
          narrowNote,
          h(document, 'span', { class: 'segmented', role: 'group', 'aria-label': 'Layout' }, ...layoutButtons),
          expandAll,
          collapseAll,
        )
      : h(document, 'div', { class: 'toolbar' }, prButton),
  );
  append(root, header);
  if (data.failure) {
    append(
      root,
      h(
        document,
        'div',
        { class: 'notice error verify-failure', role: 'alert' },
        h(
          document,
          'p',
          {},
          icon(document, 'unverified'),
          ' ',
          h(document, 'strong', {}, 'Verification failed.'),
          ' This is the change the command made, kept so you can see what it did; it was not published.',
        ),
        h(document, 'pre', {}, `${data.failure.code}: ${data.failure.message}`),
      ),
    );
  }
  if (data.round) append(root, roundSection(document, data.round));
  if (files.length === 0) {
    append(
      root,
      h(
        document,
        'p',
        { class: 'notice' },
        data.patch === undefined ? `${data.repositoryName} made no changes.` : 'The patch names no files.',
      ),
    );
    return {
      files,
      setLayout: () => undefined,
      layout: () => layout,
      renderedCount: () => 0,
      settled: Promise.resolve(),
      goToFile,
      review: guardedReview,
      stale,
    };
  }

  // The file list: one line per file, a click opens and scrolls to its section.
  const sections: {
    file: FilePatch;
    details: HTMLDetailsElement;
    body: HTMLElement;
    rendered: DiffLayout | undefined;
  }[] = [];
  const list = h(document, 'ul', { class: 'file-list-items' });
  const fileList = h(
    document,
    'details',
    { class: 'file-list', open: true },
    h(document, 'summary', {}, `Files (${formatCount(files.length)})`),
    list,
  );
  append(root, fileList);
  const container = h(document, 'div', { class: 'files' });
  append(root, container);

  let budget = autoOpenBytes;
  const reopen = options.open ? new Set(options.open) : undefined;
  const viewed = new Set(data.viewed ?? []);
  // The file Next/Previous File went to last (or whose link was followed).
  let currentFile = -1;
  const queued: (typeof sections)[number][] = [];
  files.forEach((file, index) => {
    const path = filePath(file);
    const [iconName, kindWord] = KIND_ICONS[file.kind];
    const anchor = `file-${index}`;
    // Made anew for each place: an element can be in one place only, and the file list and the
    // file's own line both show the counts.
    const stats = () => [
      h(document, 'span', { class: 'additions' }, `+${formatCount(file.additions)}`),
      ' ',
      h(document, 'span', { class: 'deletions' }, `−${formatCount(file.deletions)}`),
    ];
    const shownPath = file.kind === 'renamed' || file.kind === 'copied' ? `${file.oldPath} → ${file.newPath}` : path;

    const link = h(document, 'a', { href: `#${anchor}`, 'data-file-index': index }, shownPath);
    const listItem = h(
      document,
      'li',
      { class: viewed.has(path) ? `kind-${file.kind} is-viewed` : `kind-${file.kind}` },
      icon(document, iconName, kindWord),
      ' ',
      link,
      ' ',
      h(
        document,
        'span',
        { class: 'file-stats' },
        ...(file.binary ? [h(document, 'span', { class: 'muted' }, 'binary')] : stats()),
      ),
    );
    append(list, listItem);

    const openButton = h(
      document,
      'button',
      {
        type: 'button',
        class: 'open-in-editor',
        title: `Open ${path} in VS Code's diff editor`,
        'aria-label': `Open ${path} in the diff editor`,
      },
      icon(document, 'go-to-file'),
      'Open in diff editor',
    );
    openButton.addEventListener('click', (event) => {
      event.preventDefault();
      event.stopPropagation();
      actions.openInDiffEditor(path);
    });
    const body = h(document, 'div', { class: 'file-body' });
    const viewedBox = h(document, 'input', {
      type: 'checkbox',
      class: 'viewed-box',
      checked: viewed.has(path),
      'aria-label': `Viewed ${path}`,
    });
    const viewedLabel = h(
      document,
      'label',
      { class: 'viewed', title: 'Mark as viewed: it collapses' },
      viewedBox,
      'Viewed',
    );
    const details = h(
      document,
      'details',
      { class: viewed.has(path) ? 'file is-viewed' : 'file', id: anchor, 'data-path': path },
      h(
        document,
        'summary',
        {},
        icon(document, iconName, kindWord),
        h(document, 'span', { class: 'file-name' }, shownPath),
        h(document, 'span', { class: 'file-stats' }, ...(file.binary ? ['binary'] : stats())),
        h(document, 'span', { class: 'spacer' }),
        file.binary ? undefined : openButton,
        marks ? dropFileButton(document, path, marks, marksChanged) : undefined,
        viewedLabel,
      ),
      body,
    );
    // The box is in the summary: a click on it ticks it without also folding the section twice.
    viewedLabel.addEventListener('click', (event) => event.stopPropagation());
    viewedBox.addEventListener('change', () => {
      const isViewed = viewedBox.checked;
      details.classList.toggle('is-viewed', isViewed);
      listItem.classList.toggle('is-viewed', isViewed);
      details.open = !isViewed;
      actions.viewedChanged(path, isViewed);
    });
    const section = { file, details, body, rendered: undefined as DiffLayout | undefined };
    sections.push(section);
    details.addEventListener('toggle', () => {
      if (details.open) renderSection(section);
    });
    const goToFile = () => {
      currentFile = index;
      details.open = true;
      renderSection(section);
      details.scrollIntoView({ block: 'start' });
    };
    link.addEventListener('click', (event) => {
      event.preventDefault();
      goToFile();
    });
    // A link answers Enter but not Space; the file list behaves like the buttons it stands for,
    // and the keyboard continues at the file it opened.
    link.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter' && event.key !== ' ') return;
      event.preventDefault();
      goToFile();
      details.querySelector('summary')?.focus({ preventScroll: true });
    });
    append(container, details);

    if (viewed.has(path)) {
      // Viewed: folded away, whatever else would open it.
    } else if (
      reopen
        ? reopen.has(path)
        : index < autoOpenFiles && file.text.length <= budget && file.text.length <= largeFileBytes
    ) {
      budget -= file.text.length;
      details.open = true;
      queued.push(section);
    }
  });

  // Files that open by themselves render a slice at a time: the first slice before the first
  // paint, the others in later tasks, so the page shows and answers input at once.
  let settle: () => void = () => undefined;
  const settled = new Promise<void>((resolve) => (settle = resolve));
  const renderSlice = () => {
    let spent = 0;
    while (queued.length > 0 && (spent === 0 || spent + queued[0]!.file.text.length <= sliceBytes)) {
      const section = queued.shift()!;
      spent += section.file.text.length;
      if (section.details.open) renderSection(section);
    }
    if (queued.length > 0) {
      // After the next frame, so that what is rendered so far is painted first.
      if (window) window.requestAnimationFrame(() => window.setTimeout(renderSlice, 0));
      else renderSlice();
    } else settle();
  };
  renderSlice();

  function renderSection(section: (typeof sections)[number], force = false): void {
    if (section.rendered === layout) return;
    const { file, body } = section;
    if (file.binary) {
      body.replaceChildren(
        h(
          document,
          'p',
          { class: 'notice' },
          `Binary file ${file.kind}. Its contents are not shown; apply or download the patch to get it.`,
        ),
      );
      section.rendered = layout;
      return;
    }
    if (file.text.length > largeFileBytes && !force) {
      const show = h(document, 'button', { type: 'button' }, `Show this diff (${formatBytes(file.text.length)})`);
      show.addEventListener('click', () => renderSection(section, true));
      body.replaceChildren(
        h(
          document,
          'p',
          { class: 'notice' },
          `This file's diff is large (${formatBytes(file.text.length)}, ` +
            `${formatCount(file.additions + file.deletions)} changed lines) and may take a moment to show. `,
          show,
          ' ',
          'Or open it in the diff editor.',
        ),
      );
      return;
    }
    // diff2html escapes the patch's text in its output; this HTML contains no markup from the patch.
    body.innerHTML = diffToHtml(file.text, {
      outputFormat: layout,
      drawFileList: false,
      matching: 'none',
      diffStyle: 'word',
      renderNothingWhenEmpty: false,
    });
    section.rendered = layout;
    if (layout === 'side-by-side') window?.requestAnimationFrame(() => levelSides(body));
    if (marks) {
      const path = filePath(file);
      decorateHunks(body, path, hunkCounts.get(path) ?? 0, marks, marksChanged);
      refreshDrops(section.details, marks);
      if (staleMessage)
        for (const control of body.querySelectorAll<HTMLButtonElement>(`[${ACTS}]`)) control.disabled = true;
    }
  }

  /** Shows the chosen layout, or line by line where side by side does not fit. */
  const applyLayout = () => {
    const next = effective();
    narrowNote.hidden = next === chosen;
    if (next === layout) {
      // The same layout, another width: wrapped lines wrap elsewhere.
      if (layout === 'side-by-side')
        for (const section of sections) if (section.details.open && section.rendered) levelSides(section.body);
      return;
    }
    layout = next;
    for (const section of sections)
      if (section.details.open && section.rendered !== undefined) renderSection(section, true);
  };
  const setLayout = (value: DiffLayout) => {
    chosen = value;
    for (const button of layoutButtons) button.setAttribute('aria-pressed', String(button.dataset.layout === value));
    applyLayout();
  };
  for (const button of layoutButtons) {
    button.addEventListener('click', () => {
      const value = button.dataset.layout as DiffLayout;
      if (value === chosen) return;
      setLayout(value);
      actions.layoutChanged(value);
    });
  }
  window?.addEventListener('resize', applyLayout);
  goToFile = (direction) => {
    const index = direction === 'next' ? currentFile + 1 : currentFile < 0 ? -1 : currentFile - 1;
    const section = sections[index];
    if (!section) return false;
    currentFile = index;
    for (const each of sections) each.details.classList.toggle('current', each === section);
    section.details.open = true;
    renderSection(section);
    section.details.scrollIntoView({ block: 'start' });
    section.details.querySelector('summary')?.focus({ preventScroll: true });
    return true;
  };
  // Each opened section renders in its own toggle event, so the page stays responsive meanwhile.
  expandAll.addEventListener('click', () => {
    for (const section of sections) section.details.open = true;
  });
  collapseAll.addEventListener('click', () => {
    for (const section of sections) section.details.open = false;
  });

  return {
    files,
    setLayout,
    layout: () => layout,
    settled,
    goToFile: (direction) => goToFile(direction),
    review: guardedReview,
    stale,
    renderedCount: () =>
      sections.filter((section) => section.body.childElementCount > 0 && section.rendered !== undefined).length,
  };
}
