import { parseRepositoryList } from '../../common/jobDraft';
import { EMPTY_PULL_REQUEST, type PullRequestDraft } from '../../common/createJobDraft';
import { currentPreview, keptRepositories, PLACEHOLDER_TOKENS } from '../../common/jobDraftSections';
import {
  BRANCH_PLACEHOLDERS,
  placeholdersIn,
  pullRequestText,
  templateProblem,
} from '../../common/pullRequestTemplate';
import { isRepositoryName } from '../../common/repositoryNames';
import type { CreateJobDraft } from '../../common/webviewProtocol';
import { h } from '../shared/dom';
import { type FormSection, labelledField, type SectionKit, textControl, type ValueElement } from './sectionKit';

// How the job's pull requests look, shown while "Open a pull request per repository" is on: the
// title, body and commit-message templates (a placeholder is inserted where the cursor was, in
// whichever had the focus last), a live preview of the title for the job's first repository, the
// branch, labels, reviewers and team reviewers. Drafts are the form's own "As drafts" box.

export interface PullRequestSection extends FormSection {
  element: HTMLElement;
}

/** The inner input of a @vscode-elements field, where the cursor is. */
type WithInner = ValueElement & {
  wrappedElement?: HTMLInputElement | HTMLTextAreaElement;
  updateComplete?: Promise<unknown>;
};

/** What a placeholder that is only known after the run reads as in the preview. */
const EXAMPLE_FACTS = { summary: '(the summary)', stats: { files: 2, additions: 10, deletions: 3 } };

export function pullRequestSection(kit: SectionKit, initial: Partial<CreateJobDraft>): PullRequestSection {
  const { document } = kit;
  const values = { ...EMPTY_PULL_REQUEST, ...initial.pullRequest };
  const title = textControl(kit, 'pr-title', 'vscode-textfield', { placeholder: "the job's name" });
  const body = textControl(kit, 'pr-body', 'vscode-textarea', {
    rows: 6,
    placeholder: "the description, the summary, the changes and the job's id",
  });
  const branch = textControl(kit, 'pr-branch', 'vscode-textfield', { placeholder: 'cody-batch/<the job id>' });
  const commitMessage = textControl(kit, 'pr-commitMessage', 'vscode-textarea', {
    rows: 3,
    placeholder: "the pull request's title, then its body",
  });
  const labels = textControl(kit, 'pr-labels', 'vscode-textfield', { placeholder: 'e.g. dependencies, cody-batch' });
  const reviewers = textControl(kit, 'pr-reviewers', 'vscode-textfield', { placeholder: 'e.g. alice, bob' });
  const teamReviewers = textControl(kit, 'pr-teamReviewers', 'vscode-textfield', { placeholder: 'e.g. platform' });
  title.value = values.title;
  body.value = values.body;
  branch.value = values.branch;
  commitMessage.value = values.commitMessage;
  labels.value = values.labels;
  reviewers.value = values.reviewers;
  teamReviewers.value = values.teamReviewers;

  let target: WithInner = title;
  title.addEventListener('focusin', () => (target = title));
  body.addEventListener('focusin', () => (target = body));
  commitMessage.addEventListener('focusin', () => (target = commitMessage));

  const chips = PLACEHOLDER_TOKENS.map((token) =>
    h(
      document,
      'button',
      { type: 'button', class: 'placeholder code', 'data-placeholder': token, title: `Insert ${token}` },
      token,
    ),
  );
  const placeholders = h(
    document,
    'div',
    { class: 'placeholders', id: 'pr-placeholders', role: 'group', 'aria-label': 'Placeholders' },
    h(document, 'span', { class: 'muted' }, 'Placeholders (click to insert):'),
    ...chips,
  );
  placeholders.addEventListener('click', (event) => {
    const token = (event.target as HTMLElement).closest('button')?.getAttribute('data-placeholder');
    if (token) insert(target, token);
  });

  function insert(field: WithInner, token: string): void {
    const value = field.value ?? '';
    const inner = field.wrappedElement;
    const start = typeof inner?.selectionStart === 'number' ? inner.selectionStart : value.length;
    const end = typeof inner?.selectionEnd === 'number' ? inner.selectionEnd : start;
    field.value = `${value.slice(0, start)}${token}${value.slice(end)}`;
    kit.changed(field.id);
    field.focus();
    const cursor = start + token.length;
    void Promise.resolve(field.updateComplete).then(() => field.wrappedElement?.setSelectionRange?.(cursor, cursor));
  }

  const preview = h(document, 'p', { id: 'pr-title-preview', role: 'status', 'aria-live': 'polite' });

  const element = h(
    document,
    'section',
    { id: 'pull-request-section', 'aria-label': 'Pull requests', hidden: true },
    h(document, 'h2', {}, 'Pull requests'),
    labelledField(document, 'pr-title', 'Title', title, "Left empty: the job's name."),
    labelledField(
      document,
      'pr-body',
      'Body',
      body,
      "Left empty: the description, the summary, the changes and the job's id.",
    ),
    placeholders,
    preview,
    labelledField(
      document,
      'pr-branch',
      'Branch',
      branch,
      `Left empty: cody-batch/ and the job's id. May use ${BRANCH_PLACEHOLDERS.map((name) => `{{${name}}}`).join(', ')}; it must make a valid git branch name.`,
    ),
    labelledField(
      document,
      'pr-commitMessage',
      'Commit message',
      commitMessage,
      "Left empty: the pull request's title, then its body. Takes the same placeholders as the title.",
    ),
    labelledField(document, 'pr-labels', 'Labels', labels, 'Separated by commas.'),
    labelledField(
      document,
      'pr-reviewers',
      'Reviewers',
      reviewers,
      'User names, separated by commas or spaces. One the host refuses (not a collaborator) is a warning on ' +
        "the repository's row; its pull request stays open.",
    ),
    labelledField(document, 'pr-teamReviewers', 'Team reviewers', teamReviewers, 'Team slugs.'),
  );

  const read = (): PullRequestDraft => ({
    title: title.value ?? '',
    body: body.value ?? '',
    labels: labels.value ?? '',
    reviewers: reviewers.value ?? '',
    teamReviewers: teamReviewers.value ?? '',
    branch: branch.value ?? '',
    commitMessage: commitMessage.value ?? '',
  });

  return {
    element,
    controls: {
      'pr-title': title,
      'pr-body': body,
      'pr-branch': branch,
      'pr-commitMessage': commitMessage,
      'pr-labels': labels,
      'pr-reviewers': reviewers,
      'pr-teamReviewers': teamReviewers,
    },
    draft: () => ({ pullRequest: read() }),
    sync(draft) {
      element.hidden = !draft.createPullRequests;
      preview.textContent = titlePreview(draft, read());
    },
  };
}

/** "Title for acme/widgets: …", with the job's first repository, or why there is none to show. */
export function titlePreview(draft: CreateJobDraft, typed: PullRequestDraft): string {
  if (templateProblem(typed.title)) return '';
  const repository = firstRepository(draft);
  const { title } = pullRequestText(typed.title.trim() ? { title: typed.title } : undefined, {
    jobId: 'preview',
    jobName: draft.name.trim() || "(the job's name)",
    description: draft.description,
    repositoryName: repository ?? 'owner/name',
    ...EXAMPLE_FACTS,
  });
  const examples = placeholdersIn(typed.title).some((name) => ['summary', 'diffstat', 'verification'].includes(name));
  return `Title for ${repository ?? 'a repository'}: ${title}${examples ? ' (the summary and changes are examples)' : ''}`;
}

function firstRepository(draft: CreateJobDraft): string | undefined {
  if (draft.repositorySource === 'query') {
    const preview = currentPreview(draft);
    return preview ? keptRepositories(preview)[0] : undefined;
  }
  return parseRepositoryList(draft.repositories).find(isRepositoryName);
}
