import { type FakeGitHub, type FakeRepository, startFakeGitHub } from '../fakes/githubServer';
import { type GitHttpServer, startGitHttpServer } from '../fakes/gitHttpServer';
import { createGitHosting, type FixtureFiles, type GitHosting } from './git';
import { startStackProcess, type StackProcess } from './localStack';

// The real local stack whose code host is GitHub as the workers meet it: bare repositories served
// over git's smart HTTP behind the token check, and the loopback GitHub API, both with one token.

export interface HostedStack {
  hosting: GitHosting;
  gitServer: GitHttpServer;
  github: FakeGitHub;
  stack: StackProcess;
  dispose(): Promise<void>;
}

export async function startHostedStack(options: {
  token: string;
  /** Bare repositories to create, by name, with their files. */
  repositories: Record<string, FixtureFiles>;
  /** What the GitHub API lists (default: nothing). */
  githubRepositories?: FakeRepository[];
  env?: NodeJS.ProcessEnv;
}): Promise<HostedStack> {
  const hosting = await createGitHosting();
  for (const [name, files] of Object.entries(options.repositories)) await hosting.create(name, files);
  const gitServer = await startGitHttpServer({ root: hosting.root, token: options.token });
  const github = await startFakeGitHub({
    token: options.token,
    repositories: options.githubRepositories,
    gitRoot: hosting.root,
  });
  const stack = await startStackProcess({
    env: {
      CODY_BATCH_GIT_BASE: gitServer.gitBase,
      CODY_BATCH_CONCURRENCY: '2',
      GITHUB_TOKEN: options.token,
      GITHUB_API_URL: github.url,
      ...options.env,
    },
  });
  return {
    hosting,
    gitServer,
    github,
    stack,
    dispose: async () => {
      await stack.dispose();
      await github.close();
      await gitServer.close();
      await hosting.dispose();
    },
  };
}
