import { EMPTY_QUERY, type QueryDraft, type RepositoryPreview } from '../../common/createJobDraft';
import { keptRepositories, previewKey, QUERY_FIELDS, queryFromDraft } from '../../common/jobDraftSections';
import { type CodeHostInfo, RepositoryQuery, type ResolveRepositoriesRequest } from '../../common/schemas';
import { nameEngineLoading, nameEngineSettled } from './nameEngine';
import type { CreateJobDraft, createJobProtocol, Result } from '../../common/webviewProtocol';
import { h, icon } from '../shared/dom';
import {
  type CheckElement,
  checkControl,
  errorSlot,
  type FormSection,
  labelledField,
  radioField,
  repositoriesText,
  type SectionKit,
  textControl,
  type ValueElement,
} from './sectionKit';

// Where a job's repositories come from: the list (the form's own field) or a query the code host
// resolves (owners, topics, search, code search, include/exclude, archived, forks). Preview asks
// the API what the query gives, without creating anything, and lists the names; removing one turns
// the job into an explicit list of the names kept (common/jobDraftSections.ts), so the job runs
// exactly what the preview showed.

export type PreviewReply = Result<typeof createJobProtocol, 'previewRepositories'>;

export interface RepositorySource extends FormSection {
  /** The list-or-query choice, shown above the list. */
  chooser: HTMLElement;
  /** The query's fields and its preview, shown instead of the list. */
  queryPart: HTMLElement;
  /** Run Again into an open form: the job's source and query replace what was typed; no preview yet. */
  fill(draft: Partial<CreateJobDraft>): void;
}

type QueryField = (typeof QUERY_FIELDS)[number];

/** The section's words: the general ones, and GitLab's where its words differ (groups, projects). */
interface Terms {
  labels: Record<QueryField, string>;
  hints: Record<QueryField, string>;
  placeholders: Record<QueryField, string>;
  list: string;
  query: string;
  archived: string;
}

const LABELS: Record<QueryField, string> = {
  owners: 'Owners',
  topics: 'Topics',
  search: 'Search',
  codeSearch: 'Code search',
  include: 'Include (regular expression)',
  exclude: 'Exclude (regular expression)',
};

const HINTS: Record<(typeof QUERY_FIELDS)[number], string> = {
  owners: 'Organisations or users, separated by commas or spaces.',
  topics: 'Repositories carrying any of these topics.',
  search: "The code host's repository search, such as language:go.",
  codeSearch: 'Repositories holding a match of this code search, each once.',
  include: 'Only owner/name that match, such as ^acme/api- (case-insensitive).',
  exclude: 'Leave out owner/name that match, such as -legacy$.',
};

const PLACEHOLDERS: Record<(typeof QUERY_FIELDS)[number], string> = {
  owners: 'e.g. acme, acme-labs',
  topics: 'e.g. payments',
  search: 'e.g. language:typescript',
  codeSearch: 'e.g. oldFunction(',
  include: '',
  exclude: '',
};

const GENERAL: Terms = {
  labels: LABELS,
  hints: HINTS,
  placeholders: PLACEHOLDERS,
  list: 'A list of owner/name',
  query: 'A query: owners, topics, search',
  archived: 'Include archived repositories',
};

const GITLAB: Terms = {
  labels: { ...LABELS, owners: 'Groups' },
  hints: {
    ...HINTS,
    owners: 'Groups (with their subgroups), subgroups such as acme/platform, or users, separated by commas or spaces.',
    topics: 'Projects carrying any of these topics.',
    search: "GitLab's project search, by name.",
    codeSearch: "Projects holding a match of this code search (needs GitLab's advanced search).",
    include: 'Only project paths that match, such as ^acme/platform/ (case-insensitive).',
    exclude: 'Leave out project paths that match, such as /legacy-.',
  },
  placeholders: { ...PLACEHOLDERS, owners: 'acme, acme/platform', search: 'payments' },
  list: 'A list of group/project',
  query: 'A query: groups, topics, search',
  archived: 'Include archived projects',
};

/** The words of the stack's code host: GitLab's for GitLab, the general ones otherwise. */
function termsOf(codeHost: CodeHostInfo['kind'] | undefined): Terms {
  return codeHost === 'gitlab' ? GITLAB : GENERAL;
}

export function repositorySource(
  kit: SectionKit,
  initial: Partial<CreateJobDraft>,
  preview?: (request: ResolveRepositoriesRequest) => Promise<PreviewReply>,
  codeHost?: CodeHostInfo['kind'],
): RepositorySource {
  const { document } = kit;
  const terms = termsOf(codeHost);
  let source: 'list' | 'query' = initial.repositorySource ?? 'list';
  const values = { ...EMPTY_QUERY, ...initial.query };
  let shown: RepositoryPreview | undefined = initial.preview?.key === previewKey(values) ? initial.preview : undefined;
  let busy = false;

  const radio = (id: string, value: string, label: string) =>
    h(document, 'vscode-radio' as 'div', { id, name: 'repository-source', value, label }) as unknown as CheckElement;
  const fromList = radio('source-list', 'list', terms.list);
  const fromQuery = radio('source-query', 'query', terms.query);
  fromList.checked = source === 'list';
  fromQuery.checked = source === 'query';
  for (const choice of [fromList, fromQuery]) {
    choice.addEventListener('change', () => {
      if (!choice.checked) return;
      source = choice === fromQuery ? 'query' : 'list';
      kit.changed('repositorySource');
    });
  }
  const chooser = radioField(document, 'repository-source', 'Repositories from', fromList, fromQuery);

  const fields = Object.fromEntries(
    QUERY_FIELDS.map((name) => {
      const control = textControl(kit, `query-${name}`, 'vscode-textfield', { placeholder: terms.placeholders[name] }, [
        'repositoryQuery',
      ]);
      control.value = values[name];
      if (name === 'include' || name === 'exclude' || name === 'codeSearch') control.classList.add('code');
      return [name, control];
    }),
  ) as Record<(typeof QUERY_FIELDS)[number], ValueElement>;
  const includeArchived = checkControl(kit, 'query-includeArchived', terms.archived);
  const includeForks = checkControl(kit, 'query-includeForks', 'Include forks');
  includeArchived.checked = values.includeArchived;
  includeForks.checked = values.includeForks;

  const readQuery = (): QueryDraft => ({
    owners: fields.owners.value ?? '',
    topics: fields.topics.value ?? '',
    search: fields.search.value ?? '',
    codeSearch: fields.codeSearch.value ?? '',
    include: fields.include.value ?? '',
    exclude: fields.exclude.value ?? '',
    includeArchived: Boolean(includeArchived.checked),
    includeForks: Boolean(includeForks.checked),
  });

  const previewButton = h(
    document,
    'vscode-button' as 'button',
    { id: 'preview-repositories', secondary: true, icon: 'eye', hidden: !preview },
    'Preview',
  );
  const status = h(document, 'span', { class: 'muted', id: 'preview-status', role: 'status', 'aria-live': 'polite' });
  const failure = h(document, 'div', { class: 'notice error', id: 'preview-error', role: 'alert', hidden: true });
  const summary = h(document, 'p', { id: 'preview-summary' });
  const notes = h(document, 'ul', { id: 'preview-notes', class: 'muted' });
  const list = h(document, 'ul', { id: 'preview-list', 'aria-label': 'Previewed repositories' });
  const restore = h(
    document,
    'vscode-button' as 'button',
    { id: 'preview-restore', secondary: true, icon: 'discard' },
    'Restore all',
  );
  const removedLine = h(document, 'p', { id: 'preview-removed', class: 'muted' });
  const results = h(
    document,
    'div',
    { id: 'preview', hidden: true },
    summary,
    notes,
    list,
    h(document, 'div', { class: 'toolbar' }, removedLine, restore),
  );

  const queryPart = h(
    document,
    'div',
    { id: 'repository-query', role: 'group', 'aria-label': 'Repository query' },
    ...QUERY_FIELDS.slice(0, 4).map((name) =>
      labelledField(document, `query-${name}`, terms.labels[name], fields[name], terms.hints[name]),
    ),
    h(
      document,
      'div',
      { class: 'field-pair' },
      ...(['include', 'exclude'] as const).map((name) =>
        labelledField(document, `query-${name}`, terms.labels[name], fields[name], terms.hints[name]),
      ),
    ),
    h(document, 'div', { class: 'field checks' }, includeArchived, includeForks),
    errorSlot(document, 'repositoryQuery'),
    h(document, 'div', { class: 'toolbar' }, previewButton, status),
    failure,
    results,
  );

  function render(): void {
    results.hidden = !shown;
    if (!shown) {
      list.replaceChildren();
      notes.replaceChildren();
      return;
    }
    const kept = keptRepositories(shown);
    const removed = shown.removed.length;
    summary.textContent =
      `The query gives ${repositoriesText(shown.count)}` +
      (removed
        ? `; ${removed} removed, ${repositoriesText(kept.length)} will run, as a list.`
        : '. Remove any the job should leave out.');
    notes.replaceChildren(...shown.notes.map((note) => h(document, 'li', {}, note)));
    list.replaceChildren(
      ...kept.map((name) =>
        h(
          document,
          'li',
          { 'data-repository': name },
          h(document, 'span', { class: 'name' }, name),
          h(
            document,
            'button',
            { type: 'button', class: 'remove', 'aria-label': `Remove ${name}`, title: `Remove ${name}` },
            icon(document, 'close'),
          ),
        ),
      ),
    );
    removedLine.textContent = removed ? `Removed: ${shown.removed.join(', ')}.` : '';
    restore.hidden = removed === 0;
  }

  list.addEventListener('click', (event) => {
    const button = (event.target as HTMLElement).closest('button.remove');
    const item = button?.closest('li');
    const name = item?.getAttribute('data-repository');
    if (!shown || !name) return;
    const index = [...list.children].indexOf(item!);
    shown = { ...shown, removed: [...shown.removed, name] };
    render();
    kit.changed('preview');
    // The keyboard stays in the list: on the next name, or the one before, or back at Preview.
    const next = list.children[Math.min(index, list.children.length - 1)]?.querySelector('button');
    (next ?? previewButton).focus();
  });
  restore.addEventListener('click', () => {
    if (!shown) return;
    shown = { ...shown, removed: [] };
    render();
    kit.changed('preview');
    previewButton.focus();
  });

  async function runPreview(): Promise<void> {
    if (busy || !preview) return;
    // An include or exclude is checked with the name filters' engine, which may still be on its way.
    if (nameEngineLoading()) await nameEngineSettled();
    const query = readQuery();
    const request = queryFromDraft(query);
    if (!RepositoryQuery.safeParse(request).success) {
      // The form shows why, on each field.
      for (const name of QUERY_FIELDS) kit.left(`query-${name}`);
      kit.left('repositoryQuery');
      return;
    }
    busy = true;
    previewButton.setAttribute('disabled', '');
    status.textContent = 'Resolving the query…';
    failure.hidden = true;
    try {
      const reply = await preview({ repositoryQuery: request });
      if (reply.ok) {
        shown = {
          key: previewKey(query),
          count: reply.count,
          repositories: reply.repositories,
          notes: reply.notes ?? [],
          removed: [],
        };
        status.textContent = `${repositoriesText(reply.count)}.`;
      } else {
        shown = undefined;
        status.textContent = '';
        failure.hidden = false;
        failure.textContent = reply.message;
      }
    } catch (error) {
      shown = undefined;
      status.textContent = '';
      failure.hidden = false;
      failure.textContent = error instanceof Error ? error.message : String(error);
    } finally {
      busy = false;
      previewButton.removeAttribute('disabled');
    }
    render();
    kit.changed('preview');
  }
  previewButton.addEventListener('click', () => void runPreview());

  /** The list's own parts, which the form built: shown for a list only. */
  const listParts = (): Element[] => {
    const form = chooser.closest('form') ?? chooser.ownerDocument;
    return [
      form.querySelector('[data-field="repositories"]'),
      form.querySelector('#add-from-workspace')?.parentElement,
      form.querySelector('#repositories-note'),
    ].filter((part): part is Element => Boolean(part));
  };

  render();
  return {
    chooser,
    queryPart,
    controls: {
      ...Object.fromEntries(QUERY_FIELDS.map((name) => [`query-${name}`, fields[name]])),
      repositoryQuery: queryPart as unknown as ValueElement,
    },
    draft: () => ({ repositorySource: source, query: readQuery(), preview: shown }),
    fill(draft) {
      source = draft.repositorySource ?? 'list';
      fromList.checked = source === 'list';
      fromQuery.checked = source === 'query';
      const query = { ...EMPTY_QUERY, ...draft.query };
      for (const name of QUERY_FIELDS) fields[name].value = query[name];
      includeArchived.checked = query.includeArchived;
      includeForks.checked = query.includeForks;
      shown = undefined;
      status.textContent = '';
      render();
    },
    sync(draft) {
      queryPart.hidden = source !== 'query';
      for (const part of listParts()) (part as HTMLElement).hidden = source === 'query';
      // A preview is of one query: once the query changes, its names (and removals) no longer hold.
      if (shown && shown.key !== previewKey(draft.query ?? EMPTY_QUERY)) {
        shown = undefined;
        status.textContent = 'The query changed: Preview again to see the names.';
        render();
      }
    },
  };
}
