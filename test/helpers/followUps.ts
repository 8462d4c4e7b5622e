import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { FakeConversation, FakeReply, FakeRequestBody } from '../fakes/anthropicServer';
import { git, type GitHosting } from './git';

// Helpers of the follow-up tests: people's commits on a pull request's branch, what the bare
// repository holds, and the parts of a Claude request a script looks at.

const run = promisify(execFile);

/** Commits `files` on `branch` from a fresh clone and pushes it, as a person adding to a pull request. Returns the commit. */
export async function pushToBranch(
  hosting: GitHosting,
  repositoryName: string,
  branch: string,
  files: Record<string, string>,
  message = 'A person’s commit',
): Promise<string> {
  const checkout = await hosting.clone(repositoryName, { branch });
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(checkout, name)), { recursive: true });
    await writeFile(path.join(checkout, name), content);
  }
  await git(checkout, 'add', '-A');
  await git(checkout, 'commit', '-q', '-m', message);
  await git(checkout, 'push', '-q', 'origin', `HEAD:refs/heads/${branch}`);
  return (await git(checkout, 'rev-parse', 'HEAD')).trim();
}

/** `git` on a bare repository, without user or system config; its output, trimmed. */
export async function bare(hosting: GitHosting, repositoryName: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', ['--git-dir', hosting.repository(repositoryName).bare, ...args], {
    env: { PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LC_ALL: 'C' },
  });
  return stdout.trim();
}

/** Whether `ancestor` is an ancestor of (or is) `commit` in the bare repository. */
export async function isAncestor(
  hosting: GitHosting,
  repositoryName: string,
  ancestor: string,
  commit: string,
): Promise<boolean> {
  return bare(hosting, repositoryName, 'merge-base', '--is-ancestor', ancestor, commit).then(
    () => true,
    () => false,
  );
}

/** The text of a request's first user message. */
export function firstMessageText(body: FakeRequestBody): string {
  const content = body.messages[0]?.content;
  if (typeof content === 'string') return content;
  return (content ?? []).map((block) => (typeof block.text === 'string' ? block.text : '')).join('\n');
}

/**
 * A script for every repository's conversations: `act` says what Claude does on the first turn of
 * a conversation (by its first message), then it ends the turn with `summary`.
 */
export function scripted(act: (repository: string, first: string) => { edits: FakeReply; summary: string }) {
  return (conversation: FakeConversation): FakeReply => {
    const first = firstMessageText(conversation.request);
    const plan = act(conversation.repository, first);
    return conversation.toolResults().length
      ? { content: [{ type: 'text', text: plan.summary }], stop_reason: 'end_turn' }
      : plan.edits;
  };
}
