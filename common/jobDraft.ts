import { addDraftSections, entryMessage, sectionFieldOf } from './jobDraftSections';
import { createJobRequestSchema, type CreateJobRequest } from './schemas';
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
