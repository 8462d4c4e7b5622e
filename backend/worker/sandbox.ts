import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { access, constants, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { SandboxRuntimeConfig } from '@anthropic-ai/sandbox-runtime';
import { ENV } from '../../common/names';

// The one module that knows Anthropic's sandbox runtime (@anthropic-ai/sandbox-runtime: bubblewrap
// on Linux, Seatbelt on macOS), used as a library. Every command a run starts goes through a
// RunSandbox: the job's command, setup and verify (./commandRunner.ts) and Claude's bash session
// (./shellSession.ts). The worker itself, which holds the secrets, stays outside; so does the
// runtime's network proxy, which runs in the worker process and lets a command reach only the
// allowed hosts.
//
// What a sandboxed command gets, on Linux:
//   - writes: its checkout and the run's private home and temporary folder, nothing else (the rest
//     of the file system is mounted read-only; a write elsewhere fails, "Read-only file system");
//   - reads: everything but $CODY_BATCH_HOME (token, DynamoDB keys, signing keys, every job's
//     artifacts), the work folder of every run (other runs' clones; its own run's folders are
//     bound back) and the credential places of the user's home (CREDENTIAL_PLACES);
//   - network: none of its own (a new network namespace); HTTP(S) and SOCKS through the runtime's
//     proxy, which allows only the job's hosts;
//   - processes: its own PID namespace (it sees only its own processes, and no ancestor's
//     /proc/<pid>/environ); when the command's shell ends, the namespace ends, and everything in it
//     is killed however it got away (setsid, double fork, env -i, an overwritten environment).
//
// The runtime keeps one configuration per process (its proxy servers and bridges): a worker starts
// one Sandbox for its job's hosts, and each run's paths go with each command.

type Runtime = typeof import('@anthropic-ai/sandbox-runtime');

let loaded: Runtime | undefined;
/**
 * Loaded on first use, from node_modules (outside the bundles: it finds its seccomp helper beside
 * its own files). An ES module, required as one (Node 20.19 and later): the worker bundle runs
 * inside `vm.Script` (./codeCache.mjs), where a dynamic import() has no loader.
 */
function runtime(): Runtime {
  loaded ??= require('@anthropic-ai/sandbox-runtime') as Runtime;
  return loaded;
}

/**
 * The usual places of a developer's credentials, relative to a home folder: SSH, cloud CLIs,
 * container and cluster tools, package-manager tokens, git's and the code-host CLIs' credentials,
 * password stores, shell histories (which hold pasted tokens), and Claude's own.
 */
export const CREDENTIAL_PLACES: readonly string[] = [
  '.ssh',
  '.gnupg',
  '.aws',
  '.azure',
  '.config/gcloud',
  '.oci',
  '.kube',
  '.docker',
  '.config/containers',
  '.npmrc',
  '.yarnrc',
  '.yarnrc.yml',
  '.pypirc',
  '.config/pip',
  '.netrc',
  '.git-credentials',
  '.config/git/credentials',
  '.config/gh',
  '.config/hub',
  '.config/glab-cli',
  '.cargo/credentials',
  '.cargo/credentials.toml',
  '.gem/credentials',
  '.m2/settings.xml',
  '.m2/settings-security.xml',
  '.gradle/gradle.properties',
  '.nuget/NuGet/NuGet.Config',
  '.terraform.d',
  '.vault-token',
  '.pgpass',
  '.my.cnf',
  '.password-store',
  '.config/op',
  '.bash_history',
  '.zsh_history',
  '.local/share/fish',
  '.claude',
  '.claude.json',
  '.cody-batch',
];

/** Where the runtime finds bubblewrap: CODY_BATCH_SANDBOX_BWRAP (a build newer than the system's), else PATH. */
function bwrapPathFrom(env: NodeJS.ProcessEnv): string | undefined {
  return env[ENV.sandboxBwrap]?.trim() || undefined;
}

/**
 * Where `name` is on PATH, found without starting a process. The runtime's own lookup runs `which`
 * and gives it 1 s; on a busy machine that can run out, and the runtime then says bubblewrap, socat
 * or ripgrep is "not installed" (the stack would report the sandbox off) or a shell is "not found"
 * (a worker would fail a repository it could have run). So the runtime is given our paths.
 */
export async function findOnPath(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const folder of (env.PATH ?? '').split(path.delimiter)) {
    if (!path.isAbsolute(folder)) continue;
    const candidate = path.join(folder, name);
    try {
      await access(candidate, constants.X_OK);
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // Not here: the next folder.
    }
  }
  return undefined;
}

/** How many times a command's wrapping looks for its shell before the error stands. */
const SHELL_LOOKUPS = 5;

/** The runtime's dependency errors that name a program we found ourselves (its `which` ran out of time). */
const FOUND_BY_US: Record<'bwrap' | 'socat' | 'rg', RegExp> = {
  bwrap: /bubblewrap|bwrap/i,
  socat: /socat/i,
  rg: /ripgrep/i,
};

/**
 * Starts the sandbox for `options` and proves it: its dependencies are there, and a command
 * actually runs in it (bubblewrap may be installed where user namespaces are refused). Each worker
 * does this before its first command; the local stack asks a worker process to do it (`node
 * dist/worker.js --sandbox-status`) before it accepts jobs: the same check, in the same kind of
 * process, on the same machine.
 */
export async function startSandbox(
  env: NodeJS.ProcessEnv,
  options: Omit<SandboxOptions, 'bwrapPath'>,
): Promise<{ sandbox: Sandbox } | { available: false; reason: string }> {
  if (process.platform !== 'linux' && process.platform !== 'darwin') {
    return { available: false, reason: `the sandbox runtime does not run on ${process.platform}` };
  }
  let manager: Runtime['SandboxManager'];
  try {
    manager = runtime().SandboxManager;
  } catch (error) {
    return { available: false, reason: `the sandbox runtime did not load (${(error as Error).message})` };
  }
  const ownBwrap = bwrapPathFrom(env);
  if (ownBwrap) {
    try {
      await access(ownBwrap, constants.X_OK);
    } catch {
      return { available: false, reason: `bubblewrap is not at ${ownBwrap} (${ENV.sandboxBwrap})` };
    }
  }
  const found = {
    bwrap: ownBwrap ?? (await findOnPath('bwrap', env)),
    socat: await findOnPath('socat', env),
    rg: await findOnPath('rg', env),
  };
  const { errors } = manager.checkDependencies(found.rg ? { command: found.rg } : undefined);
  // Before initialize() the runtime looks for each program with `which`; what we found is what it gets.
  const missing = errors.filter((error) =>
    (Object.keys(FOUND_BY_US) as (keyof typeof FOUND_BY_US)[]).every(
      (name) => !(found[name] && FOUND_BY_US[name].test(error)),
    ),
  );
  if (missing.length > 0) return { available: false, reason: missing.join('; ') };
  let sandbox: Sandbox | undefined;
  const scratch = await mkdtemp(path.join(options.cwd, '..', `${path.basename(options.cwd)}-probe-`));
  try {
    sandbox = await Sandbox.start({
      ...options,
      ...(found.bwrap ? { bwrapPath: found.bwrap } : {}),
      ...(found.socat ? { socatPath: found.socat } : {}),
      ...(found.rg ? { ripgrepPath: found.rg } : {}),
    });
    await mkdir(path.join(scratch, 'checkout'));
    const run = await sandbox.forRun(scratch);
    const result = await run.exec('echo sandboxed > probe.txt && test "$(cat probe.txt)" = sandboxed');
    if (result.exitCode !== 0) {
      await sandbox.stop();
      const output = result.output.trim().split('\n').slice(-3).join(' ');
      return { available: false, reason: `a command could not run in it (exit ${result.exitCode}): ${output}` };
    }
    return { sandbox };
  } catch (error) {
    await sandbox?.stop().catch(() => undefined);
    return { available: false, reason: (error as Error).message.split('\n')[0]! };
  } finally {
    await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** A network refusal, as the runtime's proxy recorded it (`deny network-outbound host:port (why)`). */
export interface SandboxRefusal {
  line: string;
  at: Date;
}

export interface SandboxOptions {
  /** Hosts the proxy lets commands reach (`host`, `*.domain`, `host:port`, IP literals). */
  allowedHosts: readonly string[];
  /** Paths no command may read (runs may read their own folders beneath them). */
  deniedReads: readonly string[];
  /** bubblewrap's, socat's and ripgrep's paths, as found on PATH (or CODY_BATCH_SANDBOX_BWRAP's). */
  bwrapPath?: string;
  socatPath?: string;
  ripgrepPath?: string;
  /**
   * The worker's working folder while commands are wrapped: an empty one. The runtime treats it as
   * the project (it scans it for files to protect, and protects them): a run's checkout must not be
   * it, or a job could not change a repository's `.vscode/` or `.gitmodules`.
   */
  cwd: string;
}

/** The sandbox of one worker process: the runtime, started for the job's hosts. */
export class Sandbox {
  private readonly listeners = new Set<(refusal: SandboxRefusal) => void>();
  private seen = 0;
  private unsubscribe: (() => void) | undefined;

  /** An allowed host is an IP address or `localhost`: then commands send every address to the proxy. */
  readonly allowsAddresses: boolean;

  private constructor(
    private readonly manager: Runtime['SandboxManager'],
    readonly options: SandboxOptions,
  ) {
    this.allowsAddresses = options.allowedHosts.some((host) =>
      /^(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:.]+\]|localhost)(?::\d+)?$/i.test(host),
    );
  }

  static async start(options: SandboxOptions): Promise<Sandbox> {
    const { SandboxManager } = runtime();
    process.chdir(options.cwd);
    await SandboxManager.initialize(runtimeConfig(options, []));
    const sandbox = new Sandbox(SandboxManager, options);
    const store = SandboxManager.getSandboxViolationStore();
    sandbox.seen = store.getTotalCount();
    sandbox.unsubscribe = store.subscribe((violations) => {
      const total = store.getTotalCount();
      const fresh = violations.slice(Math.max(0, violations.length - (total - sandbox.seen)));
      sandbox.seen = total;
      for (const violation of fresh) {
        for (const listener of sandbox.listeners) listener({ line: violation.line, at: violation.timestamp });
      }
    });
    return sandbox;
  }

  /** Hears of each refusal from now on; returns the function that stops it. */
  onRefusal(listener: (refusal: SandboxRefusal) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The sandbox of one run: it writes `root/checkout`, `root/home` and `root/tmp` (made here), and
   * reads its own `root` folders though the work folder above them is denied.
   */
  async forRun(root: string): Promise<RunSandbox> {
    const home = path.join(root, 'home');
    const tmp = path.join(root, 'tmp');
    await mkdir(home, { recursive: true, mode: 0o700 });
    await mkdir(tmp, { recursive: true, mode: 0o700 });
    return new RunSandbox(this, this.manager, root, home, tmp);
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.listeners.clear();
    await this.manager.reset();
  }
}

/** The configuration the runtime gets: the job's network, and a run's file system. */
function runtimeConfig(options: SandboxOptions, filesystem: RunPaths[]): SandboxRuntimeConfig {
  const readable = filesystem.flatMap((paths) => paths.readable);
  const writable = filesystem.flatMap((paths) => paths.writable);
  return {
    network: {
      allowedDomains: [...options.allowedHosts],
      deniedDomains: [],
      // Only the list decides: no per-command lists, no one to ask.
      strictAllowlist: true,
    },
    filesystem: {
      denyRead: [...options.deniedReads],
      allowRead: readable,
      allowWrite: writable,
      denyWrite: [],
    },
    ...(options.bwrapPath ? { bwrapPath: options.bwrapPath } : {}),
    ...(options.socatPath ? { socatPath: options.socatPath } : {}),
    ...(options.ripgrepPath ? { ripgrep: { command: options.ripgrepPath } } : {}),
    mandatoryDenySearchDepth: 1,
  } as SandboxRuntimeConfig;
}

interface RunPaths {
  readable: string[];
  writable: string[];
}

export interface SandboxedLine {
  file: string;
  args: string[];
  /** Call once the process has exited (the runtime removes what it set up for it). */
  ended(): void;
}

/** One run's commands: each wrapped with the run's file-system policy. */
export class RunSandbox {
  constructor(
    private readonly sandbox: Sandbox,
    private readonly manager: Runtime['SandboxManager'],
    /** The run folder: `checkout/` and `git/` (the clone), `home/` and `tmp/` (made for commands). */
    readonly root: string,
    readonly home: string,
    readonly tmp: string,
  ) {}

  /**
   * What commands get in place of the worker's own: a private home and temporary folder (where
   * package managers keep their caches, so no run can plant something another run's install
   * reads), and the user's toolchain managers where they live (read-only), which would otherwise
   * look for them under the private home.
   */
  get env(): Record<string, string> {
    return { ...toolchainHomes(process.env), HOME: this.home, TMPDIR: this.tmp, TMP: this.tmp, TEMP: this.tmp };
  }

  onRefusal(listener: (refusal: SandboxRefusal) => void): () => void {
    return this.sandbox.onRefusal(listener);
  }

  private paths(): RunPaths {
    const checkout = path.join(this.root, 'checkout');
    const writable = [checkout, this.home, this.tmp];
    // The git folder is readable (git status, git diff work) but never writable: its config says what
    // the worker's own git calls run and where the push with the token goes.
    return { writable, readable: [...writable, path.join(this.root, 'git')] };
  }

  /**
   * The process that runs `shell -c command` in the sandbox (spawn it with the command's
   * environment and `this.env`, in its checkout, and call `ended` once it has exited).
   */
  async line(command: string, shell: 'sh' | 'bash' = 'sh'): Promise<SandboxedLine> {
    // The runtime hands commands TMPDIR from here (default /tmp/claude, shared by every sandbox).
    process.env.CLAUDE_CODE_TMPDIR = this.tmp;
    const paths = this.paths();
    // The proxy's sockets live in the worker's temporary folder, which may be the denied work folder:
    // bound back, read-only (a socket connects all the same).
    const sockets = [this.manager.getLinuxHttpSocketPath(), this.manager.getLinuxSocksSocketPath()];
    for (const socket of sockets) if (socket) paths.readable.push(socket);
    const filesystem = runtimeConfig(this.sandbox.options, [paths]).filesystem;
    // The runtime has loopback and private addresses skip the proxy (NO_PROXY): inside, they are
    // the sandbox's own, where nothing of the host listens. A job that allows such an address (a
    // registry mirror on 127.0.0.1:4873) has every address go through the proxy, which decides.
    const script = this.sandbox.allowsAddresses ? `unset NO_PROXY no_proxy\n${command}` : command;
    const wrapped = await this.wrap(script, shell, filesystem);
    let done = false;
    return {
      file: '/bin/sh',
      args: ['-c', wrapped],
      ended: () => {
        if (done) return;
        done = true;
        this.manager.cleanupAfterCommand();
      },
    };
  }

  /**
   * The runtime looks for the shell with `which` on every command, given 1 s: on a busy machine
   * that can run out ("Shell 'sh' not found in PATH"). Where the shell is there, it is asked again.
   */
  private async wrap(script: string, shell: 'sh' | 'bash', filesystem: SandboxRuntimeConfig['filesystem']) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.manager.wrapWithSandbox(script, shell, { filesystem });
      } catch (error) {
        const lost = /not found in PATH/.test((error as Error).message) && (await findOnPath(shell, process.env));
        if (!lost || attempt >= SHELL_LOOKUPS) throw error;
      }
    }
  }

  /** Runs a short command to its end (the availability probe, tests, the benchmark). */
  async exec(command: string, options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
    const line = await this.line(command);
    return new Promise<{ exitCode: number | null; output: string }>((resolve) => {
      const child = spawn(line.file, line.args, {
        cwd: options.cwd ?? this.root,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env, ...this.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      child.once('error', (error) => {
        line.ended();
        resolve({ exitCode: null, output: `${output}${error.message}` });
      });
      child.once('close', (code) => {
        line.ended();
        resolve({ exitCode: code, output });
      });
    });
  }
}

/** Version managers whose tools are on PATH but which find their versions under $HOME. */
const TOOLCHAIN_HOMES: Record<string, string> = {
  RUSTUP_HOME: '.rustup',
  PYENV_ROOT: '.pyenv',
  NVM_DIR: '.nvm',
  SDKMAN_DIR: '.sdkman',
  ASDF_DATA_DIR: '.asdf',
  VOLTA_HOME: '.volta',
};

/** Each toolchain manager's folder in the user's home, where it exists and its variable is not set. */
function toolchainHomes(env: NodeJS.ProcessEnv): Record<string, string> {
  const homes: Record<string, string> = {};
  if (!env.HOME) return homes;
  for (const [name, folder] of Object.entries(TOOLCHAIN_HOMES)) {
    const place = path.join(env.HOME, folder);
    if (env[name] === undefined && existsSync(place)) homes[name] = place;
  }
  return homes;
}
