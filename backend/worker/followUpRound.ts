import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FollowUp, FollowUpTrigger } from '../../common/schemas';
import { type CodeHost, HostRateLimited, HostRefusal, HostUnavailable, pullRequestsOf } from '../hosts';
import { RunFailure, step, type RunContext } from './runContext';

// The start of a follow-up round (docs/architecture.md, "Follow-up rounds"): the checkout is the
// pull request's branch at its head; read what the round acts on — the failing checks or the
// review from the host, the base branch to merge in, or the owner's instruction — and keep it as
// the attempt's trigger.json. A conflicts round merges the base here, leaving Claude the markers
// (a command job's merge takes the base's side of each conflict, and its command runs again).

export type RoundStart =
  | { trigger: FollowUpTrigger; summary: string; mergedBase?: string; conflicted?: string[] }
  | { nothing: string };

export async function startRound(
  context: RunContext,
  host: CodeHost,
  round: FollowUp,
  commandJob: boolean,
): Promise<RoundStart> {
  const { checkout, row, repositoryName } = context;
  const head = checkout.base.head;
  const base: Omit<FollowUpTrigger, 'reason'> = { collectedAt: new Date().toISOString(), head };
  const ref = { repositoryName, number: pullRequestNumber(row.pullRequest?.number, row.pullRequestUrl) };
  switch (round.reason) {
    case 'checks': {
      await step(context, `Reading the failing checks of ${head.slice(0, 12)} from ${host.label}`);
      const checks = await fromHost(() => pullRequestsOf(host).failingChecks(ref, head), 'the failing checks');
      if (!checks.length) return { nothing: `No check of ${head.slice(0, 12)} fails now: nothing to act on` };
      const names = checks.map((check) => plain(check.name));
      return {
        trigger: { reason: 'checks', ...base, checks },
        summary: `${checks.length} failing ${checks.length === 1 ? 'check' : 'checks'}: ${listed(names)}`,
      };
    }
    case 'review': {
      await step(
        context,
        `Reading what reviewers said${round.since ? ` since ${round.since}` : ''} from ${host.label}`,
      );
      const feedback = await fromHost(
        () => pullRequestsOf(host).reviewFeedback(ref, round.since),
        'the review comments',
      );
      if (!feedback.length)
        return {
          nothing: `No review comment or requested change${round.since ? ' since the last round' : ''}: nothing to act on`,
        };
      const authors = [...new Set(feedback.map((item) => `@${plain(item.author)}`))];
      return {
        trigger: { reason: 'review', ...base, feedback },
        summary: `${feedback.length} ${feedback.length === 1 ? 'comment' : 'comments'} by ${listed(authors)}`,
      };
    }
    case 'conflicts': {
      await step(context, `Fetching ${round.baseBranch} to merge it into ${round.branch}`);
      const url = host.cloneUrl(repositoryName);
      let baseCommit: string;
      try {
        baseCommit = await checkout.fetchBranch(url, round.baseBranch);
      } catch (error) {
        throw new RunFailure(
          'CLONE_FAILED',
          `Fetching ${round.baseBranch} failed: ${context.log.redact((error as Error).message).trim()}`,
        );
      }
      if (await checkout.isAncestor(baseCommit, head))
        return {
          nothing: `${round.baseBranch} (${baseCommit.slice(0, 12)}) is merged into the branch already: nothing to act on`,
        };
      await step(context, `Merging ${round.baseBranch} at ${baseCommit.slice(0, 12)}`);
      const { conflicted, unresolved } = await checkout.mergeWithoutCommit(baseCommit, host.commitAuthor, {
        theirs: commandJob,
      });
      if (unresolved.length && commandJob)
        throw new RunFailure(
          'CONFLICTS_UNRESOLVED',
          `Merging ${round.baseBranch} left ${listed(unresolved.map(plain))} conflicted`,
        );
      // From here the round's diff is what the branch changes on the new base.
      checkout.base = { branch: round.baseBranch, head: baseCommit };
      return {
        trigger: {
          reason: 'conflicts',
          ...base,
          conflicts: { baseBranch: round.baseBranch, baseCommit, files: conflicted },
        },
        summary: conflicted.length
          ? `${round.baseBranch} merged in; ${conflicted.length} ${conflicted.length === 1 ? 'file' : 'files'} conflicted: ${listed(conflicted.map(plain))}`
          : `${round.baseBranch} merged in without conflicts`,
        mergedBase: baseCommit,
        conflicted,
      };
    }
    case 'instruction':
      return {
        trigger: {
          reason: 'instruction',
          ...base,
          instruction: round.instruction ?? '',
          ...(round.instructionSource ? { instructionSource: round.instructionSource } : {}),
        },
        summary: round.instructionSource
          ? `the comment of @${plain(round.instructionSource.author)}, promoted`
          : `the owner's instruction: ${plain(firstLine(round.instruction ?? ''))}`,
      };
  }
}

/** Files that still hold a conflict marker line after the change. */
export async function filesWithMarkers(workTree: string, files: readonly string[]): Promise<string[]> {
  const marked: string[] = [];
  for (const file of files) {
    const text = await readFile(path.join(workTree, file), 'utf8').catch(() => '');
    if (/^(<{7}|>{7})( |$)|^={7}$/m.test(text)) marked.push(file);
  }
  return marked;
}

/** The pull request's number as the row recorded it (or as its address says). */
function pullRequestNumber(number: number | undefined, url: string | undefined): number {
  const found = number ?? Number(/\/(?:pull|merge_requests)\/(\d+)(?:[/?#]|$)/.exec(url ?? '')?.[1]);
  if (!Number.isInteger(found) || found <= 0)
    throw new RunFailure('PULL_REQUEST_FAILED', 'The row records no pull request to follow up');
  return found;
}

async function fromHost<T>(call: () => Promise<T>, what: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof HostRefusal || error instanceof HostUnavailable || error instanceof HostRateLimited)
      throw new RunFailure('PULL_REQUEST_FAILED', `Reading ${what} failed: ${error.message}`);
    throw error;
  }
}

/**
 * What the host (or a repository's file names) says, fit for one line of a log or a terminal: a
 * check's name or a file's path may hold escapes and line breaks, which would rewrite the screen.
 */
export function plain(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
}

function listed(items: readonly string[], shown = 5): string {
  return items.length <= shown
    ? items.join(', ')
    : `${items.slice(0, shown).join(', ')} and ${items.length - shown} more`;
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}
