import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '../../helpers/jobs';
import { codeServerBin } from './install';

// code-server (VS Code served to a browser) in its own process group, on a free port, with every
// folder it writes to (user data, extensions, XDG config/data/state/cache) in a temporary root, so
// nothing lands in $HOME and runs side by side do not meet.

const run = promisify(execFile);

export interface CodeServer {
  /** e.g. http://127.0.0.1:40123 (no trailing slash). */
  url: string;
  root: string;
  userDataDir: string;
  /** Everything code-server printed so far. */
  output(): string;
  /** The workbench URL that opens `folder`. */
  folderUrl(folder: string): string;
  /** The end of an extension's log output channel (`createOutputChannel(name, { log: true })`), '' if none. */
  channelLog(name: string, chars?: number): Promise<string>;
  /** Kills the whole process group and removes the temporary root. */
  stop(): Promise<void>;
}

export interface CodeServerOptions {
  /** Extension packages (.vsix) to install first. */
  extensions?: string[];
  /** Added to code-server's environment, so the extension host sees it too. */
  env?: NodeJS.ProcessEnv;
  /** Written as the user's settings.json. */
  settings?: Record<string, unknown>;
  /** The folder named on the command line (`--ignore-last-opened FOLDER`). */
  folder?: string;
  timeoutMs?: number;
}

/** Settings that keep first-run noise (welcome page, tips, trust prompts) out of a test's way. */
const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'git.autofetch': false,
  'git.openRepositoryInParentFolders': 'never',
  'chat.commandCenter.enabled': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

/** Variables code-server would act on (sign-in, a password, a port) that must not leak in from the caller. */
const SCRUBBED = ['GITHUB_TOKEN', 'PASSWORD', 'HASHED_PASSWORD', 'PORT', 'VSCODE_PROXY_URI'];

export async function startCodeServer(options: CodeServerOptions = {}): Promise<CodeServer> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'cody-batch-e2e-vscode-'));
  const userDataDir = path.join(root, 'user-data');
  const extensionsDir = path.join(root, 'extensions');
  const xdg = {
    XDG_CONFIG_HOME: path.join(root, 'xdg', 'config'),
    XDG_DATA_HOME: path.join(root, 'xdg', 'data'),
    XDG_STATE_HOME: path.join(root, 'xdg', 'state'),
    XDG_CACHE_HOME: path.join(root, 'xdg', 'cache'),
  };
  await Promise.all([userDataDir, extensionsDir, ...Object.values(xdg)].map((dir) => mkdir(dir, { recursive: true })));
  await mkdir(path.join(userDataDir, 'User'), { recursive: true });
  await writeFile(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...QUIET_SETTINGS, ...options.settings }, null, 2),
  );
  const config = path.join(root, 'config.yaml');
  await writeFile(config, 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');

  const env: NodeJS.ProcessEnv = { ...process.env, ...xdg, ...options.env };
  for (const name of SCRUBBED) delete env[name];
  const bin = codeServerBin();
  const common = ['--config', config, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];

  for (const vsix of options.extensions ?? []) {
    await run(bin, [...common, '--install-extension', vsix, '--force'], { env, timeout: 60_000 });
  }

  const child = spawn(
    bin,
    [
      ...common,
      '--auth',
      'none',
      '--bind-addr',
      '127.0.0.1:0',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      ...(options.folder ? [options.folder] : []),
    ],
    // Its own process group: code-server forks the extension host, terminals and helpers, and
    // stop() must take them all.
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    await killGroup(child, exited);
    await rm(root, { recursive: true, force: true });
  };

  try {
    const url = await waitForListening(child, () => output, options.timeoutMs ?? 30_000);
    await waitForHealth(url, options.timeoutMs ?? 30_000);
    return {
      url,
      root,
      userDataDir,
      output: () => output,
      folderUrl: (folder) => `${url}/?folder=${encodeURIComponent(folder)}`,
      channelLog: (name, chars = 6000) => channelLog(userDataDir, name, chars),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** VS Code writes an extension's log channel to logs/<session>/exthost<n>/<publisher>.<extension>/<name>.log. */
async function channelLog(userDataDir: string, name: string, chars: number): Promise<string> {
  const logs = path.join(userDataDir, 'logs');
  const files = (await readdir(logs, { recursive: true }).catch(() => [] as string[])).filter(
    (file) => path.basename(file) === `${name}.log`,
  );
  const texts = await Promise.all(files.map((file) => readFile(path.join(logs, file), 'utf8').catch(() => '')));
  return texts.join('\n').slice(-chars);
}

async function waitForListening(child: ChildProcess, output: () => string, timeoutMs: number): Promise<string> {
  return waitFor(
    'code-server to listen',
    async () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`code-server exited (${child.exitCode ?? child.signalCode}):\n${output()}`);
      }
      return /HTTP server listening on (http:\/\/[^\s/]+)/.exec(output())?.[1];
    },
    timeoutMs,
    50,
  );
}

async function waitForHealth(url: string, timeoutMs: number): Promise<void> {
  await waitFor(
    `code-server at ${url} to answer /healthz`,
    async () => {
      const response = await fetch(`${url}/healthz`).catch(() => undefined);
      return response?.status === 200 ? true : undefined;
    },
    timeoutMs,
  );
}

async function killGroup(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.pid === undefined) return;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // the group is gone already
    }
  };
  signalGroup('SIGTERM');
  const timedOut = await Promise.race([exited.then(() => false), sleep(5_000).then(() => true)]);
  // Whatever is left in the group (the extension host, helpers), and the leader if it hung.
  signalGroup('SIGKILL');
  if (timedOut) await exited;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
