import { type CreateJobDraft, EMPTY_QUERY, type FieldErrors, type QueryDraft } from './createJobDraft';
import { addDraftSections, entryMessage, sectionFieldOf } from './jobDraftSections';
import { createJobRequestSchema, type CreateJobRequest, type Job, type RepositoryResult } from './schemas';
import { currentTask } from './tasks';

// The Create Job form's fields turned into a `POST /jobs` body, checked with the API's own schema,
// so the form shows the same messages the API would answer with. The form and the extension both
// use it: the page to show errors as the user types, the extension again before it sends.

export type DraftCheck =
  | { ok: true; request: CreateJobRequest }
  | { ok: false; fieldErrors: FieldErrors; message: string };

/** One repository per line; commas, spaces and `#` comments are allowed too. Order kept. */
export function parseRepositoryList(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*$/, ''))
    .flatMap((line) => line.split(/[\s,;]+/))
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}

/** The entries of a repository list file: its lines (as above), or the strings of a JSON array. */
export function repositoryListEntries(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (Array.isArray(parsed))
        return parsed.filter((item): item is string => typeof item === 'string').map((item) => item.trim());
    } catch {
      // Not JSON after all: read it as lines.
    }
  }
  return parseRepositoryList(text);
}

/** Adds names to a repository list text, skipping those already there (case-insensitively). */
export function mergeRepositories(text: string, names: readonly string[]): string {
  const present = new Set(parseRepositoryList(text).map((name) => name.toLowerCase()));
  const added = names.filter((name) => {
    const key = name.toLowerCase();
    if (present.has(key)) return false;
    present.add(key);
    return true;
  });
  if (added.length === 0) return text;
  const base = text.replace(/\s+$/, '');
  return `${base}${base ? '\n' : ''}${added.join('\n')}\n`;
}

export function checkDraft(draft: CreateJobDraft): DraftCheck {
  const repositories = parseRepositoryList(draft.repositories);
  const body: Record<string, unknown> = {
    name: draft.name,
    description: draft.description,
    repositories,
    createPullRequests: draft.createPullRequests,
    draftPullRequests: draft.createPullRequests && draft.draftPullRequests,
  };
  if (draft.mode === 'prompt') body.prompt = draft.prompt;
  else body.command = draft.command;
  if (draft.verifyCommand.trim()) body.verifyCommand = draft.verifyCommand;
  if (draft.baseBranch.trim()) body.baseBranch = draft.baseBranch.trim();
  const fieldErrors: FieldErrors = {};
  if (draft.maxCostUsd.trim()) {
    const cost = Number(draft.maxCostUsd.trim());
    if (Number.isFinite(cost)) body.maxCostUsd = cost;
    else fieldErrors.maxCostUsd = 'must be a number of US dollars, such as 5 or 12.50';
  }
  addDraftSections(draft, body, fieldErrors);

  const parsed = createJobRequestSchema().safeParse(body);
  if (parsed.success && Object.keys(fieldErrors).length === 0) return { ok: true, request: parsed.data };
  const add = (field: string, message: string) => {
    if (fieldErrors[field]?.split('; ').includes(message)) return;
    fieldErrors[field] = fieldErrors[field] ? `${fieldErrors[field]}; ${message}` : message;
  };
  for (const issue of parsed.success ? [] : parsed.error.issues) {
    const section = sectionFieldOf(issue.path, draft);
    if (section) {
      const entry = typeof issue.path.at(-1) === 'number' ? valueAt(body, issue.path) : undefined;
      add(section, entryMessage(issue.message, entry));
      continue;
    }
    let field = String(issue.path[0] ?? 'form');
    // The schema reports "give exactly one of prompt or command" on `prompt`; the form shows it
    // on whichever of the two the user chose.
    if (field === 'prompt' && draft.mode === 'command') field = 'command';
    if (field === 'repositories' && typeof issue.path[1] === 'number') {
      const line = lineOf(draft.repositories, issue.path[1]);
      // Several bad entries on one line are one mistake: say it once, about the whole line.
      const shown = issue.message.includes('is not a repository')
        ? `"${line.text}" is not a repository in the form owner/name`
        : issue.message;
      add(field, `line ${line.number}: ${shown}`);
    } else {
      add(field, issue.message);
    }
  }
  const message = Object.entries(fieldErrors)
    .map(([field, text]) => `${field}: ${text}`)
    .join('; ');
  return { ok: false, fieldErrors, message };
}

/** What the body holds at an issue's path (an entry of a list, to name it in the message). */
function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let value = body;
  for (const key of path) value = (value as Record<PropertyKey, unknown> | undefined)?.[key];
  return value;
}

/** The 1-based line of the text on which the n-th repository entry sits, and that line's entries. */
function lineOf(text: string, entryIndex: number): { number: number; text: string } {
  const lines = text.split(/\r?\n/);
  let seen = 0;
  for (let i = 0; i < lines.length; i++) {
    const entries = parseRepositoryList(lines[i]!);
    seen += entries.length;
    if (seen > entryIndex) return { number: i + 1, text: entries.join(' ') };
  }
  return { number: lines.length, text: '' };
}

/**
 * The Create Job form filled from an earlier job (Run Again…): its task as last revised,
 * repositories (or only `repositories`, for Run Again on Failed…), verification, pull-request
 * settings and the sections' fields, for editing. Each field maps one of the job's; a field the
 * form gains is filled by adding it here. A job chosen by a query runs again by its query (the
 * code host may answer differently now), and with its sample; a subset runs as a list, unsampled.
 * `pullRequest.draft` is the form's "As drafts" box.
 */
export function draftFromJob(
  job: Job,
  rows: readonly Pick<RepositoryResult, 'repositoryName' | 'note'>[],
  subset?: readonly string[],
): Partial<CreateJobDraft> {
  const task = currentTask(job);
  const mode: CreateJobDraft['mode'] = task.command !== undefined ? 'command' : 'prompt';
  const whole = subset === undefined;
  const repositories = subset ?? rows.map((row) => row.repositoryName);
  const sections: Partial<CreateJobDraft> = {};
  if (whole && job.repositoryQuery) {
    sections.repositorySource = 'query';
    sections.query = queryDraftOf(job.repositoryQuery);
  }
  if (whole && job.sample) sections.sample = String(job.sample.size);
  if (job.pullRequest) {
    const settings = job.pullRequest;
    sections.pullRequest = {
      title: settings.title ?? '',
      body: settings.body ?? '',
      labels: (settings.labels ?? []).join(', '),
      reviewers: (settings.reviewers ?? []).join(', '),
      teamReviewers: (settings.teamReviewers ?? []).join(', '),
      branch: settings.branch ?? '',
      commitMessage: settings.commitMessage ?? '',
    };
  }
  if (job.allowCommands) sections.allowCommands = true;
  if (job.setupCommand !== undefined) sections.setupCommand = job.setupCommand;
  if (job.sandbox?.allowHosts.length) sections.allowHosts = `${job.sandbox.allowHosts.join('\n')}\n`;
  // Notes only for the repositories that run again: the API refuses a note for one the job does not run.
  const running = new Set(repositories.map((name) => name.toLowerCase()));
  const notes = rows.flatMap((row) =>
    row.note !== undefined && (whole || running.has(row.repositoryName.toLowerCase()))
      ? [[row.repositoryName, row.note] as const]
      : [],
  );
  if (notes.length > 0) sections.repositoryInstructions = notesText(Object.fromEntries(notes));
  return {
    ...sections,
    name: againName(job.name),
    description: job.description,
    mode,
    prompt: task.prompt ?? '',
    command: task.command ?? '',
    verifyCommand: task.verifyCommand ?? '',
    repositories: repositories.length > 0 ? `${repositories.join('\n')}\n` : '',
    createPullRequests: job.createPullRequests,
    draftPullRequests: job.draftPullRequests || job.pullRequest?.draft === true,
    baseBranch: job.baseBranch ?? '',
    maxCostUsd: job.maxCostUsd === undefined ? '' : String(job.maxCostUsd),
  };
}

/** "Adopt v2 (again)", "Adopt v2 (again 2)": a run again is told apart from what it ran again. */
export function againName(name: string): string {
  const again = /^(.*) \(again(?: (\d+))?\)$/.exec(name);
  if (!again) return `${name} (again)`;
  return `${again[1]} (again ${Number(again[2] ?? 1) + 1})`;
}

/** A job's query as the form types it. */
function queryDraftOf(query: NonNullable<Job['repositoryQuery']>): QueryDraft {
  return {
    ...EMPTY_QUERY,
    owners: (query.owners ?? []).join(', '),
    topics: (query.topics ?? []).join(', '),
    search: query.search ?? '',
    codeSearch: query.codeSearch ?? '',
    include: query.include ?? '',
    exclude: query.exclude ?? '',
    includeArchived: query.includeArchived ?? false,
    includeForks: query.includeForks ?? false,
  };
}

/** Notes as `owner/name: note` lines, or as JSON when a note spans lines (which a line cannot hold). */
function notesText(notes: Record<string, string>): string {
  const entries = Object.entries(notes);
  if (entries.some(([, note]) => /[\r\n]/.test(note))) return JSON.stringify(notes, null, 2);
  return entries.map(([name, note]) => `${name}: ${note}`).join('\n');
}
