import type { FeedbackItem } from '../../../common/schemas';
import { HostRefusal, type PullRequestComment, type PullRequestRef } from '../codeHost';
import { cutFeedback, newestFeedback } from '../triggerText';
import type { GitLabClient } from './client';
import { act, mergeRequestPath } from './mergeRequestActions';
import { GITLAB_NAMES } from './names';

// What people said on a merge request, for a review follow-up: its discussions' notes — a diff
// note with the file, the line and the diff hunk it sits on, any other note as a comment. GitLab's
// own system notes ("approved this merge request", "added 1 commit") and Cody Batch's own notes
// (the token's user, GET /user) are left out. All of it is untrusted text.

interface Note {
  id: number;
  type?: string | null;
  body: string;
  author?: { username?: string } | null;
  created_at: string;
  system?: boolean;
  position?: {
    new_path?: string | null;
    old_path?: string | null;
    new_line?: number | null;
    old_line?: number | null;
  } | null;
}

interface Discussion {
  id: string;
  notes: Note[];
}

interface FileDiff {
  old_path: string;
  new_path: string;
  diff: string;
}

/** Cody Batch's own username on GitLab, as the token says. */
export async function ownUsername(gitlab: GitLabClient): Promise<string> {
  const user = await act(() => gitlab.get<{ username: string }>('/user'), 'ask who');
  return user.username;
}

export async function reviewFeedback(
  gitlab: GitLabClient,
  ref: PullRequestRef,
  self: string,
  since?: string,
): Promise<FeedbackItem[]> {
  const path = mergeRequestPath(ref);
  const [discussions, mergeRequest] = await act(
    () => Promise.all([gitlab.all<Discussion>(`${path}/discussions`), gitlab.get<{ web_url: string }>(path)]),
    'read the discussions of',
  );
  const others = discussions
    .flatMap((discussion) => discussion.notes)
    .filter((note) => !note.system && authorOf(note) !== self && (!since || note.created_at > since));
  const notes = newestFeedback(others, (note) => note.created_at);
  const diffs = notes.some((note) => note.position) ? await fileDiffs(gitlab, path) : [];
  return notes.map((note): FeedbackItem => {
    const item: FeedbackItem = {
      kind: note.position ? 'review-comment' : 'comment',
      author: authorOf(note),
      body: cutFeedback(note.body),
      createdAt: note.created_at,
      url: `${mergeRequest.web_url}#note_${note.id}`,
    };
    const position = note.position;
    if (!position) return item;
    const file = position.new_path ?? position.old_path ?? undefined;
    const line = position.new_line ?? position.old_line ?? undefined;
    const diff = diffs.find((candidate) => candidate.new_path === file || candidate.old_path === file);
    const hunk = diff ? hunkAt(diff.diff, position.new_line ?? undefined, position.old_line ?? undefined) : undefined;
    return {
      ...item,
      ...(file ? { path: file } : {}),
      ...(typeof line === 'number' ? { line } : {}),
      ...(hunk ? { diffHunk: cutFeedback(hunk) } : {}),
    };
  });
}

/** When someone other than Cody Batch last wrote a note (what a review round answers), from the newest notes. */
export async function lastFeedbackAt(gitlab: GitLabClient, ref: PullRequestRef, self: string) {
  const notes = await gitlab.get<Note[]>(`${mergeRequestPath(ref)}/notes`, {
    sort: 'desc',
    order_by: 'created_at',
    per_page: 100,
  });
  return notes
    .filter((note) => !note.system && authorOf(note) !== self)
    .map((note) => note.created_at)
    .sort()
    .at(-1);
}

/**
 * A note by its address on this GitLab, `{GITLAB_URL}/{path}/-/merge_requests/{iid}#note_{id}`,
 * read through the API. HostRefusal for any other address, and for a note GitLab does not have.
 */
export async function pullRequestComment(
  gitlab: GitLabClient,
  baseUrl: string,
  url: string,
): Promise<PullRequestComment> {
  const shape = `${baseUrl}/{group}/{project}/-/merge_requests/{iid}#note_{id}`;
  const prefix = `${baseUrl}/`;
  if (!url.toLowerCase().startsWith(prefix.toLowerCase()))
    throw new HostRefusal(`${url} is not a note of this stack's GitLab: its notes' addresses are ${shape}`);
  const match = /^(.+?)\/-\/merge_requests\/(\d+)(?:\/diffs)?#note_(\d+)$/.exec(url.slice(prefix.length));
  if (!match) throw new HostRefusal(`${url} is not a merge-request note's address (${shape})`);
  const [, repositoryName, iid, noteId] = match as unknown as [string, string, string, string];
  const problem = GITLAB_NAMES.repository(repositoryName);
  if (problem) throw new HostRefusal(`${url} names no GitLab project: ${problem}`);
  const ref = { repositoryName, number: Number(iid) };
  const note = await act(() => gitlab.get<Note>(`${mergeRequestPath(ref)}/notes/${noteId}`), 'read the note of');
  if (note.system) throw new HostRefusal(`${url} is a note GitLab wrote itself, not a person's comment`);
  return { ref, author: authorOf(note), body: note.body, url };
}

/** The merge request's diffs per file; none when GitLab will not give them (the notes go without hunks). */
async function fileDiffs(gitlab: GitLabClient, path: string): Promise<FileDiff[]> {
  try {
    return await gitlab.all<FileDiff>(`${path}/diffs`);
  } catch {
    return [];
  }
}

/**
 * The hunk a diff note sits on, from its `@@` line to the noted line (as GitHub's `diff_hunk`
 * reads): by its new line, or its old one for a note on a removed line.
 */
export function hunkAt(diff: string, newLine?: number, oldLine?: number): string | undefined {
  const lines = diff.replace(/\n$/, '').split('\n');
  let start = -1;
  let oldAt = 0;
  let newAt = 0;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const header = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (header) {
      start = index;
      oldAt = Number(header[1]);
      newAt = Number(header[2]);
      continue;
    }
    if (start < 0 || line.startsWith('\\')) continue;
    const kind = line[0];
    const hit =
      kind === '-'
        ? newLine === undefined && oldAt === oldLine
        : kind === '+'
          ? newAt === newLine
          : newAt === newLine || (newLine === undefined && oldAt === oldLine);
    if (hit) return lines.slice(start, index + 1).join('\n');
    if (kind !== '+') oldAt++;
    if (kind !== '-') newAt++;
  }
  return undefined;
}

function authorOf(note: Note): string {
  return note.author?.username ?? 'ghost';
}
