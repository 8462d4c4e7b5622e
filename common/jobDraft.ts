import { createJobRequestSchema, type CreateJobRequest, type Job } from './schemas';
import { currentTask } from './tasks';
import type { CreateJobDraft, FieldErrors } from './webviewProtocol';

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

  const parsed = createJobRequestSchema().safeParse(body);
  if (parsed.success && Object.keys(fieldErrors).length === 0) return { ok: true, request: parsed.data };
  const add = (field: string, message: string) => {
    if (fieldErrors[field]?.split('; ').includes(message)) return;
    fieldErrors[field] = fieldErrors[field] ? `${fieldErrors[field]}; ${message}` : message;
  };
  for (const issue of parsed.success ? [] : parsed.error.issues) {
    let field = String(issue.path[0] ?? 'form');
    // The schema reports "give exactly one of prompt or command" on `prompt`; the form shows it
    // on whichever of the two the user chose.
    if (field === 'prompt' && draft.mode === 'command') field = 'command';
    if (field === 'repositories' && typeof issue.path[1] === 'number') {
      const line = lineOf(draft.repositories, issue.path[1]);
      // Several bad entries on one line are one mistake: say it once, about the whole line.
      const shown = issue.message.includes('is not a GitHub repository')
        ? `"${line.text}" is not a GitHub repository in the form owner/name`
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
 * repositories (or only `repositories`, for Run Again on Failed…), verification and pull-request
 * settings, for editing. Each field maps one of the job's; a field the form gains (a repository
 * query, a sample size) is filled by adding it here.
 */
export function draftFromJob(job: Job, repositories: readonly string[] = job.repositories): Partial<CreateJobDraft> {
  const task = currentTask(job);
  const mode: CreateJobDraft['mode'] = task.command !== undefined ? 'command' : 'prompt';
  return {
    name: job.name,
    description: job.description,
    mode,
    prompt: task.prompt ?? '',
    command: task.command ?? '',
    verifyCommand: task.verifyCommand ?? '',
    repositories: repositories.length > 0 ? `${repositories.join('\n')}\n` : '',
    createPullRequests: job.createPullRequests,
    draftPullRequests: job.draftPullRequests,
    baseBranch: job.baseBranch ?? '',
    maxCostUsd: job.maxCostUsd === undefined ? '' : String(job.maxCostUsd),
  };
}
