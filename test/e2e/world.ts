import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { edit, reply, startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropicServer';
import { createGitHosting, git, type GitHosting } from '../helpers/git';
import { makeTempDir, REPO_ROOT, startStackProcess, type StackProcess } from '../helpers/localStack';
import { startCodeServer, type CodeServer } from './harness/codeServer';
import { launchChromium, Workbench } from './harness/workbench';

// Everything the scenario runs against, all real but Claude: sample repositories in bare git
// hosting, the local stack (`dist/cli.js serve`) whose workers talk to a loopback Anthropic server
// through the real SDK, a workspace cloned from one sample repository, the packaged extension in
// code-server, and Chromium showing the workbench.

export const EXTENSION_ID = 'cody-batch.cody-batch';
export const SCREENSHOTS = path.join(REPO_ROOT, 'test-results', 'e2e');

/** The sample repositories: one call each to a function Claude is asked to replace. */
export const REPOSITORIES = ['acme/widgets', 'acme/gadgets', 'acme/gizmos'] as const;
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
const claudeScript = [
  reply.tools({ text: 'Let me look at the file first.' }, edit.view(CHANGED_FILE)),
  reply.tools(edit.strReplace(CHANGED_FILE, OLD_LINE, NEW_LINE)),
  reply.text(SUMMARY),
];

/** Shaped like a key, but only the loopback server ever sees it. */
const FAKE_API_KEY = 'sk-ant-e2e-not-a-real-key';

export interface World {
  hosting: GitHosting;
  claude: FakeAnthropic;
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
    for (const repository of REPOSITORIES) await hosting.create(repository, sampleFiles(repository));

    const claude = await startFakeAnthropic({ script: claudeScript, apiKey: FAKE_API_KEY });
    disposers.push(() => claude.close());

    const stack = await startStackProcess({
      env: {
        CODY_BATCH_GIT_BASE: hosting.gitBase,
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

    return { hosting, claude, stack, workspace, codeServer, browser, workbench, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
