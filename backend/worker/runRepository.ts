import { createHash } from 'node:crypto';
import { chmod, rm } from 'node:fs/promises';
import { fingerprintRecord } from '../../common/fingerprint';
import type { DiffStats, Fingerprint, PullRequestInfo, Verification } from '../../common/schemas';
import type { ChangeMaker } from './changeMaker';
import type { CodeHost } from '../hosts';
import type { WorkerConfig } from './config';
import { GitCheckout } from './git';
import { RunFailure, runShell, step, type RunContext } from './runContext';
import { redactedTail, verifyChange } from './verify';
import { shareWithGroup, type CommandUser } from './commandRunner';
import { makeRunFolder } from './runFolders';
import type { CommandGuard } from './sandboxPolicy';

// One repository, start to finish: clone, change, verify, diff, publish. Returns what the row
// should become; the caller records it.

export type RunOutcome =
  | {
      status: 'COMPLETED' | 'NO_CHANGES';
      summary: string;
      diffStats: DiffStats;
      verification?: Verification;
      pullRequestUrl?: string;
      /** What went wrong without failing the repository (a reviewer the host refused). */
      warnings?: string[];
      /** The branch and commit the diff was made against (what a publish builds on). */
      base?: { branch: string; commit: string };
      /** What the stored diff changes, for grouping the job's diffs (GET /jobs/{id}/changes). */
      fingerprint?: Fingerprint;
      /** SHA-256 of the stored diff's bytes. */
      diffDigest?: string;
    }
  | {
      status: 'FAILED';
      code: RunFailure['code'];
      message: string;
      summary?: string;
      verification?: Verification;
      /** A command job whose verification failed keeps its diff (readable with `?failed=1`). */
      diffStats?: DiffStats;
    };

export interface RepositoryRun {
  config: WorkerConfig;
  /** Where the repository is cloned from and its pull request opened. */
  host: CodeHost;
  /** Everything of RunContext but the checkout, which this run makes. */
  context: Omit<RunContext, 'checkout'>;
  /** Builds the change maker once the checkout exists. */
  changeMaker(context: RunContext): Promise<ChangeMaker>;
  /** Git processes' environment (no secrets); the token is added per remote call. */
  gitEnv: NodeJS.ProcessEnv;
  commandUser?: CommandUser;
  /** What holds around the job's commands (./sandboxPolicy.ts); absent when it runs none. */
  guard?: CommandGuard;
  /** What this row pushed last (its sealed record), which a push may replace. */
  lease?: { branch: string; commit: string };
  recordPush(pushed: { branch: string; commit: string }): Promise<void>;
  recordPullRequestUrl(url: string, pullRequest?: PullRequestInfo): Promise<void>;
}

export async function runRepository(run: RepositoryRun): Promise<RunOutcome> {
  const { config, host } = run;
  const { job, repositoryName, log } = run.context;
  if (run.guard) {
    log.step(run.guard.describe);
    if (run.guard.refusal) return { status: 'FAILED', code: 'SANDBOX_UNAVAILABLE', message: run.guard.refusal };
  }
  const root = await makeRunFolder(config.workDir);
  // The command user reaches the checkout through the shared group (setgid keeps it on new files),
  // but may not add, rename or replace what sits beside it: the git folder is ours alone to write.
  if (run.commandUser) await chmod(root, 0o2750);
  let maker: ChangeMaker | undefined;
  let stopListening: (() => void) | undefined;
  try {
    const url = host.cloneUrl(repositoryName);
    await step(
      run.context,
      `Cloning ${repositoryName} (${job.baseBranch ? `branch ${job.baseBranch}` : 'default branch'})`,
    );
    let checkout: GitCheckout;
    try {
      checkout = await GitCheckout.clone(url, root, job.baseBranch, {
        env: run.gitEnv,
        authHeader: await host.gitAuthHeader(repositoryName),
        sharedGroup: run.commandUser !== undefined,
      });
    } catch (error) {
      throw new RunFailure(
        'CLONE_FAILED',
        `Cloning ${repositoryName} failed: ${log.redact((error as Error).message).trim()}`,
      );
    }
    const sandbox = await run.guard?.forRun(root);
    // What the sandbox refuses (a host off the allowlist) goes into the run's log as it happens.
    stopListening = sandbox?.onRefusal((refusal) => log.step(`Sandbox refused: ${refusal.line}`));
    const sandboxState = run.guard && {
      state: run.guard.state,
      ...(run.guard.sandbox ? { allowedHosts: [...run.guard.sandbox.options.allowedHosts] } : {}),
    };
    const context: RunContext = { ...run.context, checkout, sandbox, sandboxState };
    log.step(`Cloned ${checkout.base.branch} at ${checkout.base.head.slice(0, 12)}`);
    if (job.setupCommand !== undefined) await setUp(context, job.setupCommand, run.commandUser);

    maker = await run.changeMaker(context);
    let summary = await maker.make();
    await step(context, 'Change made');

    let verification: Verification | undefined;
    if (job.verifyCommand) {
      ({ verification, summary } = await verifyChange(context, maker, job.verifyCommand, config.verifyRounds, summary));
      if (!verification.passed && !maker.revise) {
        return {
          status: 'FAILED',
          code: 'VERIFY_FAILED',
          message: `The verification \`${job.verifyCommand}\` failed:\n${verification.outputTail}`,
          summary,
          verification,
          diffStats: await keepFailedDiff(context, run.commandUser),
        };
      }
    }

    await step(context, 'Collecting the diff');
    if (run.commandUser) await shareWithGroup(checkout.workTree, run.commandUser);
    const { patch, stats } = await checkout.stagedDiff();
    if (!patch.trim()) {
      log.step('No changes');
      return { status: 'NO_CHANGES', summary, diffStats: stats, verification };
    }
    if (log.containsSecret(patch)) {
      throw new RunFailure(
        'SECRET_DETECTED',
        "The change contains one of the worker's secrets; it was neither recorded nor pushed",
      );
    }
    await context.artifacts.saveDiff(patch);
    const diffDigest = createHash('sha256').update(patch).digest('hex');
    log.step(`Diff: ${stats.files} files, +${stats.additions} -${stats.deletions} (sha256 ${diffDigest.slice(0, 12)})`);

    let published: { url: string; warnings: string[] } | undefined;
    if (job.createPullRequests) {
      const { publishChange } = await import('./publish');
      published = await publishChange(context, {
        host,
        url,
        summary,
        stats,
        verification,
        digest: diffDigest,
        lease: run.lease,
        recordPush: run.recordPush,
        recordUrl: run.recordPullRequestUrl,
      });
    }
    return {
      status: 'COMPLETED',
      summary,
      diffStats: stats,
      verification,
      base: { branch: checkout.base.branch, commit: checkout.base.head },
      fingerprint: fingerprintRecord(patch, context.row.attempt, 0),
      diffDigest,
      pullRequestUrl: published?.url,
      warnings: published?.warnings.length ? published.warnings : undefined,
    };
  } catch (error) {
    if (error instanceof RunFailure) return { status: 'FAILED', code: error.code, message: error.message };
    return {
      status: 'FAILED',
      code: 'INTERNAL',
      message: log.redact(error instanceof Error ? error.message : String(error)),
    };
  } finally {
    await maker?.dispose?.().catch(() => undefined);
    stopListening?.();
    await rm(root, { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * The job's setupCommand (`npm ci`), as the job's commands run. Its failure fails the repository;
 * then what it wrote to tracked files is put back, so only the change reaches the diff, and what it
 * wrote to ignored files (node_modules) stays for Claude and the verification.
 */
async function setUp(context: RunContext, command: string, user: CommandUser | undefined): Promise<void> {
  await step(context, 'Setting up');
  const result = await runShell(context, command, 'Setup');
  if (result.cancelled) throw new RunFailure('CANCELLED', 'The setup command was stopped by a cancel');
  if (result.timedOut || result.exitCode !== 0) {
    const how = result.timedOut
      ? `timed out after ${Math.round(result.timeoutMs / 1000)} s`
      : result.signal
        ? `was killed by ${result.signal}`
        : result.exitCode === null
          ? 'could not be started'
          : `exited with code ${result.exitCode}`;
    throw new RunFailure(
      'SETUP_FAILED',
      `The setup command \`${command}\` ${how}. Output ends with:\n${redactedTail(context, result.outputTail)}`,
    );
  }
  if (user) await shareWithGroup(context.checkout.workTree, user);
  await context.checkout.restoreTrackedFiles();
  context.log.step('Setup done; tracked files are as cloned');
}

/**
 * The diff of a change whose verification failed, saved so the user can see what the command did;
 * it is never published. None when nothing changed, or when the change holds a secret.
 */
async function keepFailedDiff(
  context: RunContext,
  commandUser: CommandUser | undefined,
): Promise<DiffStats | undefined> {
  if (commandUser) await shareWithGroup(context.checkout.workTree, commandUser);
  const { patch, stats } = await context.checkout.stagedDiff();
  if (!patch.trim() || context.log.containsSecret(patch)) return undefined;
  await context.artifacts.saveDiff(patch);
  context.log.step(
    `Kept the diff of the failed verification: ${stats.files} files, +${stats.additions} -${stats.deletions}`,
  );
  return stats;
}
