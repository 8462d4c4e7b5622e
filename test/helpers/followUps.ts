import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { branchName } from '../../common/names';
import type { CreateJobInput, Job } from '../../common/schemas';
import {
  edit,
  type FakeAnthropic,
  type FakeConversation,
  type FakeReply,
  type FakeRequestBody,
  type FakeScript,
  reply,
} from '../fakes/anthropicServer';
import type { FakeGitHub, FakeGitHubOptions, FakePull } from '../fakes/githubServer';
import type { FakeGitLab, FakeGitLabOptions, FakeMergeRequest } from '../fakes/gitlabServer';
import { type FixtureFiles, git, type GitHosting } from './git';
import { waitForJob } from './jobs';
import type { StackProcess } from './localStack';
import { use, World, type WorldOptions } from './world';

// Helpers of the follow-up tests: people's commits on a pull request's branch, what the bare
// repository holds, and the parts of a Claude request a script looks at.

const run = promisify(execFile);

/** Commits `files` on `branch` (made from the default branch when new) and pushes it, as a person adding to a pull request. Returns the commit. */
export async function pushToBranch(
  hosting: GitHosting,
  repositoryName: string,
  branch: string,
  files: Record<string, string>,
  message = 'A person’s commit',
): Promise<string> {
  // A new branch starts from the default one.
  const checkout = await hosting.clone(repositoryName, { branch }).catch(() => hosting.clone(repositoryName));
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

/**
 * Claude in the follow-up tests: the job replaces oldFunction with newFunction in src/main.js; a
 * checks round imports newFunction (what lint said was undefined); any other round renames `a` to
 * `total`, as the reviewers ask.
 */
export const moveToNewFunction = scripted((repository, first) => {
  if (!first.includes('follow-up round'))
    return {
      edits: reply.tools(edit.strReplace('src/main.js', 'oldFunction(1)', 'newFunction(1)')),
      summary: 'Replaced oldFunction with newFunction.',
    };
  if (first.includes('Its checks fail'))
    return {
      edits: reply.tools(
        edit.strReplace(
          'src/main.js',
          'const a = newFunction(1);',
          "const { newFunction } = require('./lib');\nconst a = newFunction(1);",
        ),
      ),
      summary: 'Imported newFunction, which lint said was undefined.',
    };
  return {
    edits: reply.tools(edit.strReplace('src/main.js', 'const a =', 'const total =')),
    summary: `Renamed a to total, as asked (${repository}).`,
  };
});

interface FollowUpWorldOptions {
  token: string;
  anthropicKey: string;
  repositories: Record<string, FixtureFiles>;
  script: FakeScript;
  concurrency?: number;
}

/**
 * What a follow-up test runs against (test/helpers/world.ts): bare repositories served over git's
 * smart HTTP with the token, the loopback GitHub reading heads and mergeability from them, the
 * loopback Claude with `script`, and the local stack (`dist/cli.js serve`) with its workers.
 */
export class FollowUpWorld extends World {
  constructor(options: FollowUpWorldOptions & { github?: Partial<FakeGitHubOptions> }) {
    super({ ...worldOptions(options), github: options.github ?? {} });
  }

  /** A Claude job (the default prompt unless given), finished COMPLETED; its pull requests open as it ran unless `createPullRequests: false`. */
  finishedJob(request: Partial<CreateJobInput> & { repositories: string[] }): Promise<Job> {
    return finishedJob(this.stack, request);
  }

  /** The job's pull request of a repository on the loopback GitHub. */
  pullOf(repositoryName: string, jobId: string): FakePull {
    return this.github.pulls.find(
      (pull) => `${pull.owner}/${pull.repo}` === repositoryName && pull.head === branchName(jobId),
    )!;
  }
}

/** The same world on a GitLab stack (`CODY_BATCH_CODE_HOST=gitlab`): the loopback GitLab serves the API and git for its projects. */
export class GitLabFollowUpWorld extends World {
  constructor(options: FollowUpWorldOptions & { gitlab?: Partial<FakeGitLabOptions> }) {
    super({ ...worldOptions(options), gitlab: options.gitlab ?? {} });
  }

  finishedJob(request: Partial<CreateJobInput> & { repositories: string[] }): Promise<Job> {
    return finishedJob(this.stack, request);
  }

  /** The job's merge request of a project on the loopback GitLab. */
  mergeRequestOf(repositoryName: string, jobId: string): FakeMergeRequest {
    return this.gitlab.mergeRequests.find(
      (mr) => mr.project.toLowerCase() === repositoryName.toLowerCase() && mr.sourceBranch === branchName(jobId),
    )!;
  }
}

/** A started follow-up world. */
export function startFollowUpWorld(options: ConstructorParameters<typeof FollowUpWorld>[0]): Promise<FollowUpWorld> {
  return new FollowUpWorld(options).start();
}

/** A follow-up world for the enclosing `describe`. */
export function useFollowUpWorld(options: ConstructorParameters<typeof FollowUpWorld>[0]): FollowUpWorld {
  return use(new FollowUpWorld(options));
}

/** A GitLab follow-up world for the enclosing `describe`. */
export function useGitLabFollowUpWorld(
  options: ConstructorParameters<typeof GitLabFollowUpWorld>[0],
): GitLabFollowUpWorld {
  return use(new GitLabFollowUpWorld(options));
}

function worldOptions(options: FollowUpWorldOptions): WorldOptions {
  return {
    token: options.token,
    repositories: options.repositories,
    anthropic: { apiKey: options.anthropicKey, script: options.script },
    stack: { concurrency: options.concurrency ?? 2 },
  };
}

async function finishedJob(stack: StackProcess, request: Partial<CreateJobInput> & { repositories: string[] }) {
  const created = await stack.client.createJob({
    name: 'Move to newFunction',
    ...(request.command === undefined ? { prompt: 'Replace oldFunction(x) with newFunction(x).' } : {}),
    createPullRequests: true,
    ...request,
  });
  const job = await waitForJob(stack.client, created.jobId);
  if (job.status !== 'COMPLETED') throw new Error(`Job ${job.jobId} ended ${job.status}`);
  return job;
}
