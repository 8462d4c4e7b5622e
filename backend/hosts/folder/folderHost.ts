import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { nameFilter } from '../../../common/repositoryQuery';
import { isRepositoryName, MAX_NAME_SEGMENTS } from '../../../common/repositoryNames';
import type { RepositoryQuery } from '../../../common/schemas';
import {
  type CodeHost,
  type HostNameRules,
  HostRefusal,
  type PullRequestsRefused,
  type QueryResolution,
} from '../codeHost';
import { cloneUrlFrom } from '../gitBase';

// The local folder host: bare repositories on disk, `{root}/{owner}/{name}.git`, reached through a
// `file://` git base; an owner may be a path of folders (`{root}/acme/platform/widgets.git` is
// `acme/platform/widgets`, as GitLab nests groups). It is what the local stack, the demo and the
// tests clone from. It lists an owner by reading its folder and the folders below it; it has no
// topics, no search and no pull requests, and says so.

/** Any name of common/repositoryNames.ts: folders nest as deep as names do. */
const FOLDER_NAMES: HostNameRules = {
  repository: () => undefined,
  owner: () => undefined,
  user: () => undefined,
};

const run = promisify(execFile);

export class FolderHost implements CodeHost {
  readonly kind = 'folder';
  readonly label: string;
  readonly commitAuthor = { name: 'Cody Batch', email: 'cody-batch@localhost' };
  readonly names = FOLDER_NAMES;
  readonly hasCredentials = false;
  readonly pullRequests: PullRequestsRefused;
  /** The folder holding `{owner}/{name}.git`, when the git base has that shape. */
  private readonly root?: string;

  constructor(private readonly gitBase: string) {
    const match = /^(file:\/\/.+)\/\{owner\}\/\{name\}\.git$/.exec(gitBase);
    this.root = match ? fileURLToPath(match[1]!) : undefined;
    this.label = `the local folder host (${this.root ?? gitBase})`;
    this.pullRequests = {
      supported: false,
      refusal:
        `Pull requests cannot be opened on ${this.label}: it is a folder of bare repositories. ` +
        `Leave createPullRequests off and publish nothing, or point CODY_BATCH_GIT_BASE at ` +
        `GitHub or GitLab and give the server its token`,
    };
  }

  secretEncodings(): string[] {
    return [];
  }

  cloneUrl(repositoryName: string): string {
    return cloneUrlFrom(this.gitBase, repositoryName);
  }

  async gitAuthHeader(): Promise<string | undefined> {
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
    const visit = async (folder: string): Promise<void> => {
      const entries = await readdir(path.join(this.root!, folder), { withFileTypes: true });
      for (const entry of entries) {
        if (!entry.isDirectory()) continue;
        // A folder that is not a repository holds a subgroup's, as far down as names nest.
        if (!entry.name.endsWith('.git')) {
          if (folder.split('/').length < MAX_NAME_SEGMENTS - 1) await visit(`${folder}/${entry.name}`);
          continue;
        }
        const name = `${folder}/${entry.name.slice(0, -'.git'.length)}`;
        if (!isRepositoryName(name)) continue;
        if (!matchesName(name)) {
          filtered++;
          continue;
        }
        const state = await repositoryState(path.join(this.root!, folder, entry.name));
        if (state === 'not-git') continue;
        if (state === 'empty') empty++;
        else repositories.push(name);
      }
    };
    for (const owner of query.owners ?? []) await visit(await this.ownerFolder(owner));
    repositories.sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
    if (filtered)
      notes.push(`${filtered} ${filtered === 1 ? 'repository' : 'repositories'} left out by include/exclude`);
    if (empty) notes.push(`${empty} empty ${empty === 1 ? 'repository' : 'repositories'} skipped`);
    return { repositories: [...new Set(repositories)], notes };
  }

  /** The owner's folder under the root, each segment its exact name, else the one that differs only in case. */
  private async ownerFolder(owner: string): Promise<string> {
    const root = this.root!;
    let found = '';
    for (const segment of owner.split('/')) {
      const folders = (await readdir(path.join(root, found), { withFileTypes: true }).catch(() => []))
        .filter((entry) => entry.isDirectory() && !entry.name.endsWith('.git'))
        .map((entry) => entry.name);
      const match =
        folders.find((name) => name === segment) ??
        folders.find((name) => name.toLowerCase() === segment.toLowerCase());
      if (!match)
        throw new HostRefusal(
          `${capitalized(this.label)} has no owner "${owner}" (no folder ${path.join(root, owner)}): check owners`,
        );
      found = found ? `${found}/${match}` : match;
    }
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
