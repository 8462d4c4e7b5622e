import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { edit, type FakeConversation, reply, startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropicServer';
import { startFakeGitHub, type FakeGitHub } from '../fakes/githubServer';
import { startGitHttpServer } from '../fakes/gitHttpServer';
import { createGitHosting, git, type GitHosting } from '../helpers/git';
import { makeTempDir, REPO_ROOT, startStackProcess, type StackProcess } from '../helpers/localStack';
import { startCodeServer, type CodeServer } from './harness/codeServer';
import { launchChromium, Workbench } from './harness/workbench';

// Everything the scenario runs against, all real but Claude and GitHub's REST API: sample
// repositories in bare git hosting served over git's smart HTTP with a token (as GitHub serves
// them), the local stack (`dist/cli.js serve`) whose code host is a loopback GitHub (queries, pull
// requests, through Octokit) and whose workers talk to a loopback Anthropic server through the
// real SDK, a workspace cloned from one sample repository, the packaged extension in code-server,
// and Chromium showing the workbench.

export const EXTENSION_ID = 'cody-batch.cody-batch';
export const SCREENSHOTS = path.join(REPO_ROOT, 'test-results', 'e2e');

/** The sample repositories: one call each to a function Claude is asked to replace. */
export const REPOSITORIES = ['acme/widgets', 'acme/gadgets', 'acme/gizmos'] as const;
/** Another owner's, for the job chosen by query (an owner), sampled and continued. */
export const QUERY_OWNER = 'globex';
export const QUERY_REPOSITORIES = ['globex/alpha', 'globex/beta'] as const;
/** Who may review on the loopback GitHub. */
export const REVIEWER = 'alice';
/** The one the workspace is a clone of. */
export const WORKSPACE_REPOSITORY = 'acme/widgets';
export const CHANGED_FILE = 'src/api.ts';
export const OLD_LINE = '  return oldFunction(id);';
export const NEW_LINE = '  return newFunction(id, { version: 2 });';
export const SUMMARY = 'Replaced the oldFunction call in src/api.ts with newFunction and version 2.';

const sampleFiles = (repository: string) => ({
  'README.md': `# ${repository}\n\nA sample repository for the Cody Batch end-to-end test.\n`,
  [CHANGED_FILE]: `import { newFunction, oldFunction } from './lib';\n\nexport function load(id: string) {\n${OLD_LINE}\n}\n`,
  'src/lib.ts':
    'export const oldFunction = (x: string) => x;\nexport const newFunction = (x: string, _options: { version: number }) => x;\n',
});

/** Claude's side of every conversation: look at the file, make the edit, summarise. */
const claudeTurns = [
  reply.tools({ text: 'Let me look at the file first.' }, edit.view(CHANGED_FILE)),
  reply.tools(edit.strReplace(CHANGED_FILE, OLD_LINE, NEW_LINE)),
  reply.text(SUMMARY),
];
/** A follow-up round on a red pull request: lint says the old import is unused; Claude drops it. */
export const UNUSED_IMPORT = "import { newFunction, oldFunction } from './lib';";
export const FIXED_IMPORT = "import { newFunction } from './lib';";
export const FOLLOW_UP_SUMMARY = 'Removed the oldFunction import that lint reported as unused.';
const followUpTurns = [
  reply.tools(edit.strReplace(CHANGED_FILE, UNUSED_IMPORT, FIXED_IMPORT)),
  reply.text(FOLLOW_UP_SUMMARY),
];

/** By the turn within the conversation, so a repository run again (a revised task) gets the same script. */
const claudeScript = (conversation: FakeConversation) => {
  const first = conversation.request.messages[0]?.content;
  const text = typeof first === 'string' ? first : JSON.stringify(first ?? '');
  const turns = text.includes('follow-up round') ? followUpTurns : claudeTurns;
  return turns[(conversation.request.messages.length - 1) / 2] ?? reply.text(SUMMARY);
};

/** Shaped like a token, but only the loopback servers ever see it. */
const FAKE_GITHUB_TOKEN = 'ghp_e2eNotARealTokenForTheLoopbackGitHub0000';

/** Shaped like a key, but only the loopback server ever sees it. */
const FAKE_API_KEY = 'sk-ant-e2e-not-a-real-key';

export interface World {
  hosting: GitHosting;
  claude: FakeAnthropic;
  github: FakeGitHub;
  stack: StackProcess;
  /** A clone of WORKSPACE_REPOSITORY, the folder open in the workbench. */
  workspace: string;
  codeServer: CodeServer;
  browser: Browser;
  workbench: Workbench;
  dispose(): Promise<void>;
}

/** The package `npm run package` made for this version. */
export async function packagedExtension(): Promise<string> {
  const { version } = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  return path.join(REPO_ROOT, `cody-batch-${version}.vsix`);
}

export async function startWorld(): Promise<World> {
  const disposers: Array<() => Promise<unknown>> = [];
  const dispose = async () => {
    for (const disposer of disposers.reverse()) await disposer().catch(() => undefined);
  };
  try {
    const hosting = await createGitHosting();
    disposers.push(() => hosting.dispose());
    for (const repository of [...REPOSITORIES, ...QUERY_REPOSITORIES])
      await hosting.create(repository, sampleFiles(repository));
    const gitServer = await startGitHttpServer({ root: hosting.root, token: FAKE_GITHUB_TOKEN });
    disposers.push(() => gitServer.close());
    const github = await startFakeGitHub({
      token: FAKE_GITHUB_TOKEN,
      // Default branches, heads and mergeability from the hosted repositories (a round reads the head's checks).
      gitRoot: hosting.root,
      repositories: [...REPOSITORIES, ...QUERY_REPOSITORIES].map((fullName) => ({ fullName })),
      collaborators: [REVIEWER],
    });
    disposers.push(() => github.close());

    const claude = await startFakeAnthropic({ script: claudeScript, apiKey: FAKE_API_KEY });
    disposers.push(() => claude.close());

    const stack = await startStackProcess({
      env: {
        CODY_BATCH_GIT_BASE: gitServer.gitBase,
        GITHUB_TOKEN: FAKE_GITHUB_TOKEN,
        GITHUB_API_URL: github.url,
        ANTHROPIC_BASE_URL: claude.url,
        ANTHROPIC_API_KEY: FAKE_API_KEY,
        CODY_BATCH_CONCURRENCY: '3',
      },
    });
    disposers.push(() => stack.dispose());

    const workspaceParent = await makeTempDir('cody-batch-e2e-workspace-');
    disposers.push(() => rm(workspaceParent, { recursive: true, force: true }));
    const workspace = path.join(workspaceParent, WORKSPACE_REPOSITORY.split('/')[1]!);
    await hosting.clone(WORKSPACE_REPOSITORY, { into: workspace });
    // What a developer's global git config would give: an identity, for stash and commits.
    await git(workspace, 'config', 'user.name', 'E2E Developer');
    await git(workspace, 'config', 'user.email', 'e2e@example.com');

    await mkdir(SCREENSHOTS, { recursive: true });
    const codeServer = await startCodeServer({
      extensions: [await packagedExtension()],
      env: { CODY_BATCH_HOME: stack.home },
      folder: workspace,
      // The screenshots show the tree and the diff in VS Code's default dark theme.
      settings: { 'workbench.colorTheme': 'Default Dark Modern' },
    });
    disposers.push(() => codeServer.stop());

    const browser = await launchChromium();
    disposers.push(() => browser.close());
    const workbench = await Workbench.open(browser, codeServer.folderUrl(workspace), SCREENSHOTS);

    return { hosting, claude, github, stack, workspace, codeServer, browser, workbench, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
