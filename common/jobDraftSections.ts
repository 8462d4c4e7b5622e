import { addAgentFields, noteLinePrefix } from './agentDraft';
import {
  type CreateJobDraft,
  EMPTY_QUERY,
  type FieldErrors,
  type QueryDraft,
  type RepositoryPreview,
} from './createJobDraft';
import { PULL_REQUEST_PLACEHOLDERS } from './pullRequestTemplate';
import { type PullRequestSettings, type RepositoryQueryInput, sampleSizeProblem } from './schemas';

// The Create Job form's newer sections as typed (a repository query and its preview, a sample size,
// the pull-request templates; their shapes are in common/createJobDraft.ts) and how they become the
// `POST /jobs` body. Browser-safe: the page checks with it as the user types, the extension again
// before it sends. Field ids are the form's: `query-owners`, `sample`, `pr-title`, …;
// `repositoryQuery` is the query as a whole.

export const QUERY_FIELDS = ['owners', 'topics', 'search', 'codeSearch', 'include', 'exclude'] as const;
export const PULL_REQUEST_FIELDS = [
  'title',
  'body',
  'branch',
  'commitMessage',
  'labels',
  'reviewers',
  'teamReviewers',
] as const;

/** Owners, topics, reviewers: separated by commas, semicolons or white space. */
export function splitNames(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((entry) => entry.trim())
    .filter(Boolean);
}

/** Labels may hold spaces ("good first issue"): separated by commas or new lines only. */
export function splitLabels(text: string): string[] {
  return text
    .split(/[,\n]+/)
    .map((entry) => entry.trim())
    .filter(Boolean);
}

/** The `repositoryQuery` the typed fields give: empty fields are left out. */
export function queryFromDraft(query: QueryDraft): RepositoryQueryInput {
  const result: RepositoryQueryInput = {};
  const owners = splitNames(query.owners);
  const topics = splitNames(query.topics);
  if (owners.length) result.owners = owners;
  if (topics.length) result.topics = topics;
  if (query.search.trim()) result.search = query.search.trim();
  if (query.codeSearch.trim()) result.codeSearch = query.codeSearch.trim();
  if (query.include.trim()) result.include = query.include.trim();
  if (query.exclude.trim()) result.exclude = query.exclude.trim();
  if (query.includeArchived) result.includeArchived = true;
  if (query.includeForks) result.includeForks = true;
  return result;
}

/** Which query a preview was made for: a preview of another query does not count. */
export function previewKey(query: QueryDraft): string {
  return JSON.stringify(queryFromDraft(query));
}

/** The preview of the draft's current query, or undefined when there is none or the query changed since. */
export function currentPreview(draft: Partial<CreateJobDraft>): RepositoryPreview | undefined {
  const preview = draft.preview;
  if (!preview || draft.repositorySource !== 'query') return undefined;
  return preview.key === previewKey(draft.query ?? EMPTY_QUERY) ? preview : undefined;
}

/** The previewed names the user kept. */
export function keptRepositories(preview: RepositoryPreview): string[] {
  const removed = new Set(preview.removed.map((name) => name.toLowerCase()));
  return preview.repositories.filter((name) => !removed.has(name.toLowerCase()));
}

/** How many repositories the job will run, when the form knows: the list's, or the preview's kept names. */
export function knownRepositoryCount(draft: Partial<CreateJobDraft>, listed: number): number | undefined {
  if (draft.repositorySource !== 'query') return listed;
  const preview = currentPreview(draft);
  return preview ? keptRepositories(preview).length : undefined;
}

/**
 * Puts the sections into a `POST /jobs` body the list part of which is already there. A query
 * source replaces the list: the query itself, or, once names were removed from its preview, the
 * names kept, as an explicit list (so the job runs exactly those). Problems the schema cannot see
 * (a sample against the previewed count) go to `fieldErrors`.
 */
export function addDraftSections(draft: CreateJobDraft, body: Record<string, unknown>, fieldErrors: FieldErrors): void {
  if (draft.repositorySource === 'query') {
    delete body.repositories;
    const preview = currentPreview(draft);
    if (preview && preview.removed.length > 0) {
      const kept = keptRepositories(preview);
      if (kept.length > 0) body.repositories = kept;
      else fieldErrors.repositoryQuery = 'every previewed repository was removed: restore some, or change the query';
    } else {
      body.repositoryQuery = queryFromDraft(draft.query ?? EMPTY_QUERY);
    }
  }

  const sample = draft.sample?.trim();
  if (sample) {
    if (!/^\d+$/.test(sample)) fieldErrors.sample = 'must be a whole number of repositories';
    else {
      const size = Number(sample);
      body.sample = { size };
      // With a query the schema cannot count the repositories; the preview did.
      const preview = currentPreview(draft);
      const problem =
        size >= 1 && preview && !body.repositories && sampleSizeProblem(size, keptRepositories(preview).length);
      if (problem) fieldErrors.sample = problem;
    }
  }

  if (draft.createPullRequests && draft.pullRequest) {
    const typed = draft.pullRequest;
    const settings: PullRequestSettings = {};
    if (typed.title.trim()) settings.title = typed.title;
    if (typed.body.trim()) settings.body = typed.body;
    if (typed.branch?.trim()) settings.branch = typed.branch.trim();
    if (typed.commitMessage?.trim()) settings.commitMessage = typed.commitMessage;
    const labels = splitLabels(typed.labels);
    const reviewers = splitNames(typed.reviewers);
    const teamReviewers = splitNames(typed.teamReviewers);
    if (labels.length) settings.labels = labels;
    if (reviewers.length) settings.reviewers = reviewers;
    if (teamReviewers.length) settings.teamReviewers = teamReviewers;
    if (Object.keys(settings).length > 0) body.pullRequest = settings;
  }

  // The names notes are checked against: the list sent, else what Preview showed for the query.
  const preview = currentPreview(draft);
  const known = Array.isArray(body.repositories)
    ? (body.repositories as string[])
    : preview && keptRepositories(preview);
  addAgentFields(draft, body, fieldErrors, known || undefined);
}

/**
 * The form field an issue of the API schema belongs on, for the sections' paths; undefined for
 * the paths the form already knows (its first part is the field).
 */
export function sectionFieldOf(path: readonly PropertyKey[], draft: Partial<CreateJobDraft>): string | undefined {
  const [first, second] = path;
  if (first === 'repositoryQuery')
    return typeof second === 'string' && (QUERY_FIELDS as readonly string[]).includes(second)
      ? `query-${second}`
      : 'repositoryQuery';
  if (first === 'pullRequest')
    return typeof second === 'string' && (PULL_REQUEST_FIELDS as readonly string[]).includes(second)
      ? `pr-${second}`
      : 'pullRequest';
  if (first === 'sample') return 'sample';
  if (first === 'repositoryInstructions') return 'repositoryInstructions';
  if (first === 'sandbox') return 'allowHosts';
  // A query's kept names are sent as the list; the list field is not what the user sees then.
  if (first === 'repositories' && draft.repositorySource === 'query') return 'repositoryQuery';
  return undefined;
}

/** The message of an issue on one entry of a typed list, naming the entry when the message does not. */
export function entryMessage(message: string, entry: unknown): string {
  if (typeof entry !== 'string' || message.includes(entry) || !/^(is|must) /.test(message)) return message;
  return `"${entry}" ${message}`;
}

/** Top-level fields of `POST /jobs`, as the API names them at the start of a message. */
const REQUEST_FIELDS = new Set([
  'name',
  'description',
  'type',
  'prompt',
  'command',
  'verifyCommand',
  'repositories',
  'repositoryQuery',
  'pullRequest',
  'createPullRequests',
  'draftPullRequests',
  'baseBranch',
  'model',
  'maxCostUsd',
  'sample',
  'allowCommands',
  'setupCommand',
  'repositoryInstructions',
  'sandbox',
]);

/**
 * An API 400 as the form's field errors. The API words a refused body as `path: message; path:
 * message` (describeIssues), so each part goes on the field its path names; a refused query
 * (QUERY_REFUSED) goes on the query as a whole; anything else on the form.
 */
export function fieldErrorsFromApi(code: string, message: string, draft: Partial<CreateJobDraft>): FieldErrors {
  if (code === 'QUERY_REFUSED') return { repositoryQuery: message };
  // Claude's commands are what a missing sandbox refuses first; a stack that requires it refuses any.
  if (code === 'SANDBOX_UNAVAILABLE') return draft.allowCommands ? { allowCommands: message } : { form: message };
  // A note's path ends in its repository's name (`repositoryInstructions.acme/web-app`).
  const starts = [
    ...message.matchAll(/(?:^|; )(repositoryInstructions\.[\w./-]+|[A-Za-z]\w*(?:\.[A-Za-z]\w*|\[\d+\])*): /g),
  ].filter((match) => REQUEST_FIELDS.has(match[1]!.split(/[.[]/)[0]!));
  if (starts.length === 0 || starts[0]!.index !== 0) return { form: message };
  const errors: FieldErrors = {};
  starts.forEach((match, i) => {
    const end = i + 1 < starts.length ? starts[i + 1]!.index : message.length;
    let text = message.slice(match.index + match[0].length, end);
    const path = [...match[1]!.matchAll(/[A-Za-z]\w*|\[(\d+)\]/g)].map((part) =>
      part[1] === undefined ? part[0] : Number(part[1]),
    );
    const noted = /^repositoryInstructions\.(.+)$/.exec(match[1]!)?.[1];
    if (noted) text = `${noteLinePrefix(draft.repositoryInstructions, noted)}${text}`;
    let field = sectionFieldOf(path, draft) ?? String(path[0]);
    if (field === 'prompt' && draft.mode === 'command') field = 'command';
    errors[field] = errors[field] ? `${errors[field]}; ${text}` : text;
  });
  return errors;
}

/** The placeholders, as the form lists them. */
export const PLACEHOLDER_TOKENS = PULL_REQUEST_PLACEHOLDERS.map((name) => `{{${name}}}`);
