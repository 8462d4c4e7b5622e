import * as z from 'zod';
import { isRepositoryName } from './repositoryNames';
import { hostPatternProblem, MAX_ALLOWED_HOSTS } from './sandbox';
import { MAX_REPOSITORY_NOTE_CHARS, repositoryInstructionsIssues } from './schemas';

// The Create Job form's "In each checkout" fields as typed (Claude may run commands, a setup
// command, the hosts the sandboxed commands may reach, notes per repository) and how they become
// `allowCommands`, `setupCommand`, `sandbox.allowHosts` and `repositoryInstructions` in the
// `POST /jobs` body. Browser-safe. Notes are typed as lines,
// `owner/name: note`, or pasted as the JSON object the CLI's --instructions-file holds.

/** The draft's fields for them; optional, so drafts saved before them still load. */
export const AgentDraftFields = {
  allowCommands: z.boolean().optional(),
  setupCommand: z.string().max(10_000_000).optional(),
  /** The notes as typed (lines or JSON). */
  repositoryInstructions: z.string().max(10_000_000).optional(),
  /** The hosts the job's commands may reach besides the defaults, as typed (lines or commas). */
  allowHosts: z.string().max(100_000).optional(),
};

interface AgentDraft {
  mode: 'prompt' | 'command';
  verifyCommand?: string;
  allowCommands?: boolean;
  setupCommand?: string;
  repositoryInstructions?: string;
  allowHosts?: string;
}

/** The hosts as typed: separated by new lines, commas or spaces; `#` starts a comment. */
export function parseAllowedHosts(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*/, ''))
    .flatMap((line) => line.split(/[\s,]+/))
    .map((host) => host.trim().toLowerCase())
    .filter((host) => host.length > 0);
}

/** One note as typed, with its 1-based line (none when the notes are JSON). */
export interface RepositoryNote {
  name: string;
  note: string;
  line?: number;
}

export type ParsedNotes = { ok: true; notes: RepositoryNote[] } | { ok: false; problems: string[] };

const EXAMPLE_LINE = 'acme/widgets: use pnpm, not npm';

/** `owner/name: note` lines (blank lines and `#` comments skipped), or a JSON object. */
export function parseRepositoryNotes(text: string): ParsedNotes {
  const notes: RepositoryNote[] = [];
  const problems: string[] = [];
  if (text.trim().startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      return { ok: false, problems: [`is not valid JSON (${(error as Error).message})`] };
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      return { ok: false, problems: ['must be a JSON object such as {"acme/widgets": "use pnpm, not npm"}'] };
    for (const [name, note] of Object.entries(parsed)) {
      if (typeof note !== 'string') problems.push(`the note for "${name}" must be a string`);
      else notes.push({ name, note: note.trim() });
    }
  } else {
    text.split(/\r?\n/).forEach((raw, i) => {
      const line = raw.trim();
      if (!line || line.startsWith('#')) return;
      const colon = line.indexOf(':');
      if (colon < 0) {
        problems.push(`line ${i + 1}: write the repository, a colon, then the note ("${EXAMPLE_LINE}")`);
        return;
      }
      notes.push({ name: line.slice(0, colon).trim(), note: line.slice(colon + 1).trim(), line: i + 1 });
    });
  }
  const seen = new Map<string, RepositoryNote>();
  for (const entry of notes) {
    const where = entry.line === undefined ? '' : `line ${entry.line}: `;
    const key = entry.name.toLowerCase();
    const earlier = seen.get(key);
    if (!isRepositoryName(entry.name))
      problems.push(`${where}"${entry.name}" is not a repository in the form owner/name`);
    else if (!entry.note) problems.push(`${where}the note for ${entry.name} is empty`);
    else if (entry.note.length > MAX_REPOSITORY_NOTE_CHARS)
      problems.push(
        `${where}the note for ${entry.name} has ${entry.note.length.toLocaleString('en-US')} characters; ` +
          `at most ${MAX_REPOSITORY_NOTE_CHARS.toLocaleString('en-US')}`,
      );
    else if (earlier)
      problems.push(
        `${where}${entry.name} has a note already${earlier.line === undefined ? '' : ` (line ${earlier.line})`}: one per repository`,
      );
    seen.set(key, earlier ?? entry);
  }
  return problems.length ? { ok: false, problems } : { ok: true, notes };
}

/** "line 3: " for the note of `name` in the typed notes, when they are lines and name it. */
export function noteLinePrefix(text: string | undefined, name: string): string {
  const parsed = parseRepositoryNotes(text ?? '');
  const line = parsed.ok
    ? parsed.notes.find((entry) => entry.name.toLowerCase() === name.toLowerCase())?.line
    : undefined;
  return line === undefined ? '' : `line ${line}: `;
}

/**
 * Puts the fields into the body. Commands and notes are for Claude, so a command job sends neither.
 * `known` is the job's repositories when the form knows them (the list, or a preview), to check the
 * notes' names against; with a query not previewed, the API checks them once it has resolved it.
 */
export function addAgentFields(
  draft: AgentDraft,
  body: Record<string, unknown>,
  fieldErrors: Record<string, string>,
  known: readonly string[] | undefined,
): void {
  if (draft.mode === 'prompt' && draft.allowCommands) body.allowCommands = true;
  if (draft.setupCommand?.trim()) body.setupCommand = draft.setupCommand;
  const hosts = parseAllowedHosts(draft.allowHosts ?? '');
  if (hosts.length > 0) {
    const runsCommands =
      draft.mode === 'command' || Boolean(body.allowCommands || body.setupCommand || draft.verifyCommand?.trim());
    const problems = hosts.map(hostPatternProblem).filter((problem) => problem !== undefined);
    if (!runsCommands)
      fieldErrors.allowHosts = 'applies to jobs that run commands (a command, setup, verification, or Claude’s)';
    else if (problems.length > 0) fieldErrors.allowHosts = problems.join('; ');
    else if (hosts.length > MAX_ALLOWED_HOSTS) fieldErrors.allowHosts = `at most ${MAX_ALLOWED_HOSTS} hosts`;
    else body.sandbox = { allowHosts: [...new Set(hosts)] };
  }
  const typed = draft.repositoryInstructions ?? '';
  if (draft.mode !== 'prompt' || !typed.trim()) return;
  const parsed = parseRepositoryNotes(typed);
  if (!parsed.ok) {
    fieldErrors.repositoryInstructions = parsed.problems.join('; ');
    return;
  }
  if (parsed.notes.length === 0) return;
  const notes = Object.fromEntries(parsed.notes.map((entry) => [entry.name, entry.note]));
  const issues = known ? repositoryInstructionsIssues(notes, known) : [];
  // Refused here, with the line, rather than sent for the schema to refuse without it.
  if (issues.length > 0)
    fieldErrors.repositoryInstructions = issues
      .map((issue) => `${noteLinePrefix(typed, issue.name)}${issue.message}`)
      .join('; ');
  else body.repositoryInstructions = notes;
}
