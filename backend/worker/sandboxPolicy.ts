import { mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resolveHome } from '../../common/localHome';
import { ENV } from '../../common/names';
import {
  type CommandsOfJob,
  DEFAULT_ALLOWED_HOSTS,
  describeSandbox,
  runsCommands,
  type SandboxMode,
  type SandboxState,
  type SandboxStatus,
  sandboxInstallLine,
  sandboxModeFrom,
  sandboxRefusal,
} from '../../common/sandbox';
import type { Job } from '../../common/schemas';
import { hostCredentialFiles } from '../hosts/config';
import { workDirFrom } from './config';
import { makeRunFolder } from './runFolders';
import { CREDENTIAL_PLACES, type RunSandbox, type Sandbox, startSandbox } from './sandbox';

// What a worker's commands may do, and what holds around them (docs/operations.md, "Threat
// model"): decided once per worker, from CODY_BATCH_SANDBOX, the job and the machine.
//   - with a command user (the worker image on AWS Batch) the container and that second user are
//     the boundary, and the sandbox runtime is not used;
//   - `off`: commands run as the worker's user, and every run's log says so;
//   - else the sandbox is started for the job's hosts; where it cannot run, `auto` runs the job's
//     own commands as the user (saying so in every log) but refuses Claude's, and `require`
//     refuses every command (SANDBOX_UNAVAILABLE).

/**
 * The paths no sandboxed command may read: the stack's home ($CODY_BATCH_HOME: its token, DynamoDB
 * keys, signing keys, every job's artifacts), the work folder where every run clones (a run's own
 * folders are bound back), the file a GitHub App's private key is read from, and the credential
 * places of the user's home, by $HOME and by the password database (they differ under sudo, or in
 * tests).
 */
export function deniedReadsFrom(env: NodeJS.ProcessEnv): string[] {
  const homes = new Set([env.HOME, os.userInfo().homedir].filter((home): home is string => Boolean(home)));
  const places = [...homes].flatMap((home) => CREDENTIAL_PLACES.map((place) => path.join(home, place)));
  return [...new Set([resolveHome(env), path.resolve(workDirFrom(env)), ...places, ...hostCredentialFiles(env)])];
}

/** `host:port` of an HTTP(S) clone URL (the code host the job's repositories come from), or undefined. */
export function gitHostOf(cloneUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(cloneUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  return `${url.hostname}:${url.port || (url.protocol === 'https:' ? '443' : '80')}`;
}

/** Every host a job's commands may reach: the defaults, its code host and its own `sandbox.allowHosts`. */
export function allowedHostsOf(job: Pick<Job, 'sandbox'>, cloneUrl: string): string[] {
  const gitHost = gitHostOf(cloneUrl);
  return [...new Set([...DEFAULT_ALLOWED_HOSTS, ...(gitHost ? [gitHost] : []), ...(job.sandbox?.allowHosts ?? [])])];
}

/** A job's task with every revision: what any of its runs may run. */
function commandsOf(job: Job): CommandsOfJob {
  const revisions = job.taskRevisions ?? [];
  const last = (field: 'command' | 'verifyCommand') =>
    job[field] ?? revisions.map((revision) => revision[field]).find((value) => value !== undefined);
  return {
    command: last('command'),
    verifyCommand: last('verifyCommand'),
    setupCommand: job.setupCommand,
    allowCommands: job.allowCommands,
  };
}

/** What holds around one worker's commands. */
export interface CommandGuard {
  state: SandboxState;
  /** The line every run's log starts its commands with. */
  describe: string;
  /** Why the job's runs must fail before they start (SANDBOX_UNAVAILABLE), if they must. */
  refusal?: string;
  /** The worker's sandbox, when `state` is `on`. */
  sandbox?: Sandbox;
  /** A run's own sandbox (its folders), when `state` is `on`. */
  forRun(root: string): Promise<RunSandbox | undefined>;
  /** Stops the sandbox and removes the worker's folder. */
  dispose(): Promise<void>;
}

const NONE: Pick<CommandGuard, 'forRun' | 'dispose'> = {
  forRun: async () => undefined,
  dispose: async () => undefined,
};

/**
 * Decides, and for `on` starts, what holds around this worker's commands. A job without commands
 * needs nothing (`on` is not claimed for it: nothing is started).
 */
export async function commandGuard(
  env: NodeJS.ProcessEnv,
  job: Job,
  options: { cloneUrl: string; commandUser?: string },
): Promise<CommandGuard | undefined> {
  const commands = commandsOf(job);
  if (!runsCommands(commands)) return undefined;
  if (options.commandUser) {
    return {
      state: 'container',
      describe: `Sandbox: commands run as ${options.commandUser}, the worker container's second user (the boundary on AWS Batch)`,
      ...NONE,
    };
  }
  const mode: SandboxMode = sandboxModeFrom(env);
  if (mode === 'off') {
    return {
      state: 'off',
      describe: `WARNING: the command sandbox is off (${ENV.sandbox}=off): commands run with your user's rights, can read your files and reach any host`,
      ...NONE,
    };
  }
  const folder = await makeRunFolder(workDirFrom(env));
  const cwd = path.join(folder, 'cwd');
  await mkdir(cwd);
  const removeFolder = () => rm(folder, { recursive: true, force: true }).catch(() => undefined);
  const allowedHosts = allowedHostsOf(job, options.cloneUrl);
  const started = await startSandbox(env, { allowedHosts, deniedReads: deniedReadsFrom(env), cwd });
  if ('sandbox' in started) {
    const { sandbox } = started;
    return {
      state: 'on',
      describe:
        `Sandbox: on. Commands write only their checkout and a private home; they may reach ` +
        `${allowedHosts.length} hosts ` +
        `(${job.sandbox?.allowHosts.length ? `the job's ${job.sandbox.allowHosts.join(', ')}, ` : ''}the ` +
        `code host and the public package registries); everything else is refused`,
      sandbox,
      forRun: (root) => sandbox.forRun(root),
      dispose: async () => {
        await sandbox.stop().catch(() => undefined);
        await removeFolder();
      },
    };
  }
  await removeFolder();
  const install = sandboxInstallLine(process.platform);
  const status = describeSandbox(mode, { ...started, install });
  return {
    state: 'unavailable',
    describe:
      `WARNING: the command sandbox is unavailable (${started.reason}): commands run with your ` +
      `user's rights, can read your files and reach any ` +
      `host${install ? `. Install it with: ${install}` : ''}`,
    refusal: sandboxRefusal(status, commands),
    ...NONE,
  };
}

/**
 * The guard of a worker process that runs several shards of one job (the local pool's,
 * ./nextShard.ts): started for the first shard, kept while what it was started for (the job, its
 * commands and hosts, the code host) is the same, so its sandbox's checks, probe and bridges are
 * paid once per process; started anew when that changed (a revised task), and disposed with the
 * worker. Once `on` it stays `on`: a later shard never falls back to running bare.
 */
export class JobGuards {
  private current: { key: string; guard: CommandGuard | undefined } | undefined;

  async for(env: NodeJS.ProcessEnv, job: Job, options: { cloneUrl: string; commandUser?: string }) {
    // The clone URL counts only by its host: each shard's first repository has its own.
    const key = JSON.stringify([
      job.jobId,
      commandsOf(job),
      allowedHostsOf(job, options.cloneUrl),
      options.commandUser ?? null,
    ]);
    if (this.current?.key === key) return this.current.guard;
    await this.dispose();
    const guard = await commandGuard(env, job, options);
    this.current = { key, guard };
    return guard;
  }

  async dispose(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    await current?.guard?.dispose();
  }
}

/**
 * `node dist/worker.js --sandbox-status`: what holds around commands on this machine, checked as a
 * worker checks it (the same denied paths, a folder in the same work folder), for the local stack
 * to say before it accepts a job.
 */
export async function localSandboxStatus(env: NodeJS.ProcessEnv): Promise<SandboxStatus> {
  const mode = sandboxModeFrom(env);
  if (mode === 'off') return describeSandbox(mode, undefined);
  const folder = await makeRunFolder(workDirFrom(env));
  try {
    const cwd = path.join(folder, 'cwd');
    await mkdir(cwd);
    const started = await startSandbox(env, { allowedHosts: [], deniedReads: deniedReadsFrom(env), cwd });
    if ('sandbox' in started) {
      await started.sandbox.stop();
      return describeSandbox(mode, { available: true });
    }
    return describeSandbox(mode, { ...started, install: sandboxInstallLine(process.platform) });
  } finally {
    await rm(folder, { recursive: true, force: true }).catch(() => undefined);
  }
}
