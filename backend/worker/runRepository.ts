import { createHash } from 'node:crypto';
import { chmod } from 'node:fs/promises';
import { fingerprintRecord } from '../../common/fingerprint';
import type { DiffStats, Fingerprint, FollowUp, PullRequestInfo, Verification } from '../../common/schemas';
import type { ChangeMaker } from './changeMaker';
import { type CodeHost, pullRequestKey, pullRequestsOf } from '../hosts';
import type { WorkerConfig } from './config';
import { GitCheckout } from './git';
import { RunFailure, runShell, step, type RunContext } from './runContext';
import { redactedTail, verifyChange } from './verify';
import { shareWithGroup, type CommandUser } from './commandRunner';
import { makeRunFolder, removeRunFolder } from './runFolders';
import { filesWithMarkers, startRound } from './followUpRound';
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
      /** A follow-up round: the row's round with what the worker found (its head, the base merged in, the trigger). */
      followUp?: FollowUp;
    }
  | {
      status: 'FAILED';
      code: RunFailure['code'];
      message: string;
      summary?: string;
      verification?: Verification;
      /** A command job whose verification failed keeps its diff (readable with `?failed=1`). */
      diffStats?: DiffStats;
      followUp?: FollowUp;
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
  const { job, repositoryName, log, row } = run.context;
  if (run.guard) {
    log.step(run.guard.describe);
    if (run.guard.refusal) return { status: 'FAILED', code: 'SANDBOX_UNAVAILABLE', message: run.guard.refusal };
  }
  // A follow-up round starts from the pull request's head, not from the base branch.
  let round = row.followUp?.attempt === row.attempt ? row.followUp : undefined;
  const root = await makeRunFolder(config.workDir);
  // The command user reaches the checkout through the shared group (setgid keeps it on new files),
  // but may not add, rename or replace what sits beside it: the git folder is ours alone to write.
  if (run.commandUser) await chmod(root, 0o2750);
  let maker: ChangeMaker | undefined;
  let stopListening: (() => void) | undefined;
  try {
    const url = host.cloneUrl(repositoryName);
    const branch = round ? round.branch : job.baseBranch;
    await step(
      run.context,
      round
        ? `Cloning ${repositoryName} at its pull request's branch ${round.branch} (follow-up round ${round.round}: ${round.reason})`
        : `Cloning ${repositoryName} (${job.baseBranch ? `branch ${job.baseBranch}` : 'default branch'})`,
    );
    let checkout: GitCheckout;
    try {
      checkout = await GitCheckout.clone(url, root, branch, {
        env: run.gitEnv,
        authHeader: await host.gitAuthHeader(repositoryName),
        sharedGroup: run.commandUser !== undefined,
        fullHistory: round?.reason === 'conflicts',
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

    let conflicted: string[] | undefined;
    if (round) {
      const head = checkout.base.head;
      const started = await startRound(context, host, round, job.command !== undefined);
      round = { ...round, head };
      if ('nothing' in started) {
        log.step(started.nothing);
        return { status: 'NO_CHANGES', summary: started.nothing, diffStats: NO_STATS, followUp: round };
      }
      round = {
        ...round,
        triggerSummary: started.summary,
        ...(started.mergedBase ? { mergedBase: started.mergedBase } : {}),
      };
      await context.artifacts.saveTrigger(started.trigger);
      log.step(`Trigger: ${started.summary}`);
      context.round = { followUp: round, trigger: started.trigger, host: host.label };
      conflicted = started.conflicted;
    }

    let summary: string;
    // A base that merged in cleanly needs no change: the merge is the round.
    if (round?.reason === 'conflicts' && !conflicted?.length) {
      summary = round.triggerSummary ?? 'Merged the base branch in';
    } else {
      maker = await run.changeMaker(context);
      summary = await maker.make();
      if (round?.reason === 'conflicts' && conflicted?.length)
        summary = await resolveConflicts(context, maker, conflicted, summary);
    }
    await step(context, 'Change made');

    let verification: Verification | undefined;
    if (job.verifyCommand) {
      // A merge that needed no change is verified as a command's change is: once, no revision.
      const verifying: ChangeMaker = maker ?? { make: async () => summary };
      ({ verification, summary } = await verifyChange(
        context,
        verifying,
        job.verifyCommand,
        config.verifyRounds,
        summary,
      ));
      if (!verification.passed && !verifying.revise) {
        return {
          status: 'FAILED',
          code: 'VERIFY_FAILED',
          message: `The verification \`${job.verifyCommand}\` failed:\n${verification.outputTail}`,
          summary,
          verification,
          diffStats: await keepFailedDiff(context, run.commandUser),
          ...(round ? { followUp: round } : {}),
        };
      }
    }

    await step(context, 'Collecting the diff');
    if (run.commandUser) await shareWithGroup(checkout.workTree, run.commandUser);
    const { patch, stats } = await checkout.stagedDiff();
    if (!patch.trim()) {
      const said = round ? `The round changed nothing: ${summary}` : 'No changes';
      log.step(said);
      return { status: 'NO_CHANGES', summary: round ? said : summary, diffStats: stats, verification, followUp: round };
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
    const held = round?.push === 'auto' ? await autoMergeHold(context, host) : undefined;
    if (held) log.step(held);
    else if (round ? round.push === 'auto' : job.createPullRequests) {
      const { publishChange, roundPushOf } = await import('./publish');
      published = await publishChange(context, {
        host,
        url,
        summary,
        stats,
        verification,
        digest: diffDigest,
        lease: run.lease,
        recordPush: run.recordPush,
        ...(round ? { round: roundPushOf(round) } : {}),
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
      warnings: held ? [held] : published?.warnings.length ? published.warnings : undefined,
      ...(round ? { followUp: round } : {}),
    };
  } catch (error) {
    const roundPart = round ? { followUp: round } : {};
    if (error instanceof RunFailure)
      return { status: 'FAILED', code: error.code, message: error.message, ...roundPart };
    return {
      status: 'FAILED',
      code: 'INTERNAL',
      message: log.redact(error instanceof Error ? error.message : String(error)),
      ...roundPart,
    };
  } finally {
    await maker?.dispose?.().catch(() => undefined);
    stopListening?.();
    await removeRunFolder(root).catch(() => undefined);
  }
}

/**
 * The push rule of `push: auto`: a round is not pushed at once onto a pull request whose auto-merge
 * is on (turned on since the round was asked for, on the host or here), for it would merge with no
 * person's review; its diff waits for review as with `push: review`. Says why, or undefined to push.
 */
async function autoMergeHold(context: RunContext, host: CodeHost): Promise<string | undefined> {
  const number = context.row.pullRequest?.number;
  const held = 'so the round was not pushed at once (it would merge unreviewed): its diff waits for review';
  if (number === undefined) return `Cody Batch does not know its pull request's number, ${held}`;
  const ref = { repositoryName: context.repositoryName, number };
  try {
    const status = (await pullRequestsOf(host).pullRequestStatuses([ref])).get(pullRequestKey(ref));
    return status?.autoMerge ? `Auto-merge is on for its pull request, ${held}` : undefined;
  } catch (error) {
    return `Could not ask ${host.label} whether auto-merge is on (${context.log.redact((error as Error).message)}), ${held}`;
  }
}

const NO_STATS: DiffStats = { files: 0, additions: 0, deletions: 0 };

/**
 * A conflicts round: every conflicted file must be free of markers. Claude is told once which
 * still hold some; then the round fails rather than push a file with markers.
 */
async function resolveConflicts(
  context: RunContext,
  maker: ChangeMaker,
  conflicted: readonly string[],
  summary: string,
): Promise<string> {
  let left = await filesWithMarkers(context.checkout.workTree, conflicted);
  if (left.length && maker.revise) {
    summary = await maker.revise(
      `These files still hold conflict markers: ${left.join(', ')}. Resolve every conflict in them, then finish with your summary.`,
    );
    left = await filesWithMarkers(context.checkout.workTree, conflicted);
  }
  if (left.length)
    throw new RunFailure(
      'CONFLICTS_UNRESOLVED',
      `Conflict markers are left in ${left.join(', ')}; nothing was recorded`,
    );
  return summary;
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
