import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { nameFilter } from '../../../common/repositoryQuery';
import { type CheckFailure, type FeedbackItem, isRepositoryName, type RepositoryQuery } from '../../../common/schemas';
import {
  type AutoMergeOutcome,
  type CodeHost,
  type CodeOwnersReview,
  HostRefusal,
  type PullRequestComment,
  type PullRequestOutcome,
  type PullRequestRequest,
  type PullRequestStatus,
  type QueryResolution,
} from '../codeHost';
import { cloneUrlFrom } from '../gitBase';

// The local folder host: bare repositories on disk, `{root}/{owner}/{name}.git`, reached through a
// `file://` git base. It is what the local stack, the demo and the tests clone from. It lists an
// owner by reading its folder; it has no topics, no search and no pull requests, and says so.

const run = promisify(execFile);

export class FolderHost implements CodeHost {
  readonly kind = 'folder';
  readonly label: string;
  readonly commitAuthor = { name: 'Cody Batch', email: 'cody-batch@localhost' };
  readonly tokenPatterns: readonly RegExp[] = [];
  readonly pullRequestsRefusal: string;
  /** The folder holding `{owner}/{name}.git`, when the git base has that shape. */
  private readonly root?: string;

  constructor(private readonly gitBase: string) {
    const match = /^(file:\/\/.+)\/\{owner\}\/\{name\}\.git$/.exec(gitBase);
    this.root = match ? fileURLToPath(match[1]!) : undefined;
    this.label = `the local folder host (${this.root ?? gitBase})`;
    this.pullRequestsRefusal = `Pull requests cannot be opened on ${this.label}: it is a folder of bare repositories. Leave createPullRequests off and publish nothing, or point CODY_BATCH_GIT_BASE at GitHub and give the server a GITHUB_TOKEN`;
  }

  secretEncodings(): string[] {
    return [];
  }

  cloneUrl(repositoryName: string): string {
    return cloneUrlFrom(this.gitBase, repositoryName);
  }

  gitAuthHeader(): string | undefined {
    return undefined;
  }

  /** The branch the bare repository's HEAD names, as git itself tells a clone. */
  async defaultBranch(repositoryName: string): Promise<string> {
    const { stdout } = await run('git', ['ls-remote', '--symref', '--', this.cloneUrl(repositoryName), 'HEAD'], {
      env: { PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
    });
    const branch = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(stdout)?.[1];
    if (!branch) throw new Error(`${repositoryName} has no default branch on ${this.label}`);
    return branch;
  }

  async resolveQuery(query: RepositoryQuery): Promise<QueryResolution> {
    const cannot = (what: string) =>
      new HostRefusal(
        `${capitalized(this.label)} cannot ${what}: it can only list an owner's folder. Choose by owners, or name the repositories in repositories`,
      );
    if (query.topics) throw cannot('choose repositories by topics');
    if (query.search) throw cannot('search repositories');
    if (query.codeSearch) throw cannot('search code');
    if (!this.root)
      throw new HostRefusal(
        `${capitalized(this.label)} cannot list owners: its git base is not of the form file:///folder/{owner}/{name}.git`,
      );
    const matchesName = nameFilter(query.include, query.exclude);
    const notes: string[] = [];
    const repositories: string[] = [];
    let empty = 0;
    let filtered = 0;
    for (const owner of query.owners ?? []) {
      const folder = await this.ownerFolder(owner);
      const entries = await readdir(path.join(this.root, folder), { withFileTypes: true });
      for (const entry of entries) {
        if (!entry.isDirectory() || !entry.name.endsWith('.git')) continue;
        const name = `${folder}/${entry.name.slice(0, -'.git'.length)}`;
        if (!isRepositoryName(name)) continue;
        if (!matchesName(name)) {
          filtered++;
          continue;
        }
        const state = await repositoryState(path.join(this.root, folder, entry.name));
        if (state === 'not-git') continue;
        if (state === 'empty') empty++;
        else repositories.push(name);
      }
    }
    repositories.sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
    if (filtered)
      notes.push(`${filtered} ${filtered === 1 ? 'repository' : 'repositories'} left out by include/exclude`);
    if (empty) notes.push(`${empty} empty ${empty === 1 ? 'repository' : 'repositories'} skipped`);
    return { repositories: [...new Set(repositories)], notes };
  }

  async ensurePullRequest(_request: PullRequestRequest): Promise<PullRequestOutcome> {
    throw new HostRefusal(this.pullRequestsRefusal);
  }

  async pullRequestStatuses(): Promise<Map<string, PullRequestStatus>> {
    throw new HostRefusal(this.pullRequestsRefusal);
  }

  async mergePullRequest(): Promise<void> {
    throw new HostRefusal(this.pullRequestsRefusal);
  }

  async closePullRequest(): Promise<void> {
    throw new HostRefusal(this.pullRequestsRefusal);
  }

  async commentOnPullRequest(): Promise<void> {
    throw new HostRefusal(this.pullRequestsRefusal);
  }

  async failingChecks(): Promise<CheckFailure[]> {
    throw new HostRefusal(this.pullRequestsRefusal);
  }

  async reviewFeedback(): Promise<FeedbackItem[]> {
    throw new HostRefusal(this.pullRequestsRefusal);
  }

  async pullRequestComment(): Promise<PullRequestComment> {
    throw new HostRefusal(this.pullRequestsRefusal);
  }

  async enableAutoMerge(): Promise<AutoMergeOutcome> {
    throw new HostRefusal(this.pullRequestsRefusal);
  }

  /** No pull requests, so no reviewers to request: no CODEOWNERS is read. */
  readonly codeOwnersPaths: readonly string[] = [];

  codeOwners(): CodeOwnersReview {
    return { reviewers: [], teamReviewers: [], notes: [] };
  }

  /** The owner's folder under the root: its exact name, else the one that differs only in case. */
  private async ownerFolder(owner: string): Promise<string> {
    const root = this.root!;
    const folders = (await readdir(root, { withFileTypes: true }).catch(() => []))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    const found =
      folders.find((name) => name === owner) ?? folders.find((name) => name.toLowerCase() === owner.toLowerCase());
    if (!found)
      throw new HostRefusal(
        `${capitalized(this.label)} has no owner "${owner}" (no folder ${path.join(root, owner)}): check owners`,
      );
    return found;
  }
}

/** Whether a folder is a bare repository with at least one branch. */
async function repositoryState(bare: string): Promise<'ok' | 'empty' | 'not-git'> {
  try {
    const { stdout } = await run(
      'git',
      ['--git-dir', bare, 'for-each-ref', '--count=1', '--format=%(refname)', 'refs/heads'],
      { env: { PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LC_ALL: 'C' } },
    );
    return stdout.trim() ? 'ok' : 'empty';
  } catch {
    return 'not-git';
  }
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
