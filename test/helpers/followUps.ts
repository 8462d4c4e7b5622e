import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { branchName } from '../../common/names';
import type { CodyBatchClient } from '../../common/client';
import type { CreateJobInput, Job, RepositoryResult } from '../../common/schemas';
import {
  edit,
  type FakeConversation,
  type FakeReply,
  type FakeRequestBody,
  type FakeScript,
  reply,
} from '../fakes/anthropicServer';
import type { FakeGitHubOptions, FakePull } from '../fakes/githubServer';
import type { FakeGitLabOptions, FakeMergeRequest } from '../fakes/gitlabServer';
import type { FixtureFiles, GitHosting } from './git';
import { waitForJob } from './jobs';
import { use, World } from './world';

// Helpers of the follow-up tests: people's commits on a pull request's branch, what the bare
// repository holds, and the parts of a Claude request a script looks at.

const run = promisify(execFile);

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

/** What `moveToNewFunction` edits: src/main.js calling oldFunction as `const a`, and a README. */
export const FOLLOW_UP_FILES: FixtureFiles = {
  'src/main.js': 'const a = oldFunction(1);\n',
  'README.md': '# sample\n',
};

export interface FollowUpWorldOptions {
  /** The code host's token (and git's over HTTP); a fake one unless given. */
  token?: string;
  /** The loopback Claude's key; a fake one unless given. */
  anthropicKey?: string;
  repositories: Record<string, FixtureFiles>;
  script: FakeScript;
  concurrency?: number;
  /** The loopback GitHub (the default host). */
  github?: Partial<FakeGitHubOptions>;
  /** The loopback GitLab instead, the stack's code host (`CODY_BATCH_CODE_HOST=gitlab`), serving the API and git for its projects. */
  gitlab?: Partial<FakeGitLabOptions>;
}

/**
 * What a follow-up test runs against (test/helpers/world.ts): bare repositories served over git's
 * smart HTTP with the token, the loopback GitHub (or GitLab) reading heads and mergeability from
 * them, the loopback Claude with `script`, and the local stack (`dist/cli.js serve`) with its workers.
 */
export class FollowUpWorld extends World {
  constructor(options: FollowUpWorldOptions) {
    super({
      token:
        options.token ??
        (options.gitlab ? 'glpat-FAKEgitlabTOKENforFollowUpWorlds' : 'ghp_FAKEgithubTOKENforFollowUpWorlds012345678'),
      repositories: options.repositories,
      anthropic: {
        apiKey: options.anthropicKey ?? 'sk-ant-FAKEanthropicKEYforFollowUpWorlds-0123456789',
        script: options.script,
      },
      stack: { concurrency: options.concurrency ?? 2 },
      ...(options.gitlab ? { gitlab: options.gitlab } : { github: options.github ?? {} }),
    });
  }

  /** A Claude job (the default prompt unless given), finished COMPLETED; its pull requests open as it ran unless `createPullRequests: false`. */
  async finishedJob(request: Partial<CreateJobInput> & { repositories: string[] }): Promise<Job> {
    const { client } = this.stack;
    const created = await client.createJob({
      name: 'Move to newFunction',
      ...(request.command === undefined ? { prompt: 'Replace oldFunction(x) with newFunction(x).' } : {}),
      createPullRequests: true,
      ...request,
    });
    const job = await waitForJob(client, created.jobId);
    if (job.status !== 'COMPLETED') throw new Error(`Job ${job.jobId} ended ${job.status}`);
    return job;
  }

  /** Asks for a follow-up round of a job of one repository, sees it queued and waits it out: its row, COMPLETED. */
  async completedRound(
    jobId: string,
    repositoryName: string,
    request: Parameters<CodyBatchClient['followUp']>[1],
  ): Promise<RepositoryResult> {
    const { client } = this.stack;
    const answer = await client.followUp(jobId, request);
    assert.deepEqual(
      answer.results.map(({ repositoryName, outcome }) => [repositoryName, outcome]),
      [[repositoryName, 'queued']],
    );
    await waitForJob(client, jobId);
    const row = await client.getRepository(jobId, repositoryName);
    assert.equal(row.status, 'COMPLETED', JSON.stringify([row.error, row.summary]));
    return row;
  }

  /** Approves a repository's diff as the reviewer sees it now (by its digest), for `attempt` when given. */
  async approveShown(jobId: string, repositoryName: string, attempt?: number): Promise<void> {
    const { client } = this.stack;
    const { digest } = await client.getDiff(jobId, repositoryName);
    await client.reviewRepository(jobId, repositoryName, {
      state: 'approved',
      ...(attempt === undefined ? {} : { attempt }),
      digest,
    });
  }

  /** The job's pull request of a repository on the loopback GitHub. */
  pullOf(repositoryName: string, jobId: string): FakePull {
    return this.github.pulls.find(
      (pull) => `${pull.owner}/${pull.repo}` === repositoryName && pull.head === branchName(jobId),
    )!;
  }

  /** The job's merge request of a project on the loopback GitLab. */
  mergeRequestOf(repositoryName: string, jobId: string): FakeMergeRequest {
    return this.gitlab.mergeRequests.find(
      (mr) => mr.project.toLowerCase() === repositoryName.toLowerCase() && mr.sourceBranch === branchName(jobId),
    )!;
  }
}

/** A started follow-up world. */
export function startFollowUpWorld(options: FollowUpWorldOptions): Promise<FollowUpWorld> {
  return new FollowUpWorld(options).start();
}

/** A follow-up world for the enclosing `describe`. */
export function useFollowUpWorld(options: FollowUpWorldOptions): FollowUpWorld {
  return use(new FollowUpWorld(options));
}
