import type { FollowUp, FollowUpReason, FollowUpTrigger, RepositoryResult } from './schemas';
import { reviewStateOf } from './status';
import type { RoundShown } from './webviewProtocol';

// Follow-up rounds as the clients offer and show them (browser-safe: the extension and the web app
// say the same). Each reason is one action — Fix Failing Checks…, Address Review…, Update
// Branches…, Send Instruction… — with the pull requests it applies to as the rows last recorded
// them (the server asks the host again and skips, with why, what no longer applies), and a round
// is said in words on its row and above its diff.

export interface FollowUpAction {
  reason: FollowUpReason;
  /** The command's title, as menus show it. */
  title: string;
  /** `fix the failing checks of`: "Start rounds to <verb> 3 pull requests of …". */
  verb: string;
  /** What the action takes by default, in words: `open, checks failing`. */
  chosenWords: string;
  /** Whether a row's pull request is one this reason applies to, as the row last recorded it. */
  applies(row: RepositoryResult): boolean;
}

/** An open (or draft) pull request: the only kind a round goes onto. */
export function hasOpenPullRequest(row: RepositoryResult): boolean {
  const state = row.pullRequest?.state;
  return state === 'open' || state === 'draft';
}

/** The round a row's current attempt is, or undefined when it is none. */
export function currentRound(row: Pick<RepositoryResult, 'followUp' | 'attempt'>): FollowUp | undefined {
  return row.followUp?.attempt === row.attempt ? row.followUp : undefined;
}

/**
 * The trust rule of `push: auto` (docs/architecture.md, "The push rule"): a round pushed without a
 * person's review never merges by itself. True while a row's current attempt is such a round that
 * is on its way (queued or running) or pushed, and not approved (approving its diff, by digest as
 * any approval, lifts it).
 */
export function isUnreviewedAutoPush(
  row: Pick<RepositoryResult, 'followUp' | 'attempt' | 'status' | 'publishedAttempt' | 'review'>,
): boolean {
  if (currentRound(row)?.push !== 'auto' || reviewStateOf(row) === 'approved') return false;
  return (
    row.status === 'PENDING' ||
    row.status === 'RUNNING' ||
    (row.status === 'COMPLETED' && row.publishedAttempt === row.attempt)
  );
}

/** Feedback before this was answered by an earlier round (the server's rule, `backend/api/followUp.ts`). */
function answeredUntil(row: RepositoryResult): string | undefined {
  const previous = row.followUp;
  if (!previous) return undefined;
  return previous.reason === 'review' ? previous.requestedAt : previous.since;
}

export const FOLLOW_UP_ACTIONS: Record<FollowUpReason, FollowUpAction> = {
  checks: {
    reason: 'checks',
    title: 'Fix Failing Checks…',
    verb: 'fix the failing checks of',
    chosenWords: 'open, checks failing',
    applies: (row) => hasOpenPullRequest(row) && row.pullRequest?.checks === 'failing',
  },
  review: {
    reason: 'review',
    title: 'Address Review…',
    verb: 'answer the review comments on',
    chosenWords: 'open, commented on or changes requested since the last review round',
    applies: (row) => {
      if (!hasOpenPullRequest(row)) return false;
      const since = answeredUntil(row);
      const feedbackAt = row.pullRequest?.feedbackAt;
      if (feedbackAt && (!since || feedbackAt > since)) return true;
      return !since && row.pullRequest?.review === 'changes_requested';
    },
  },
  conflicts: {
    reason: 'conflicts',
    title: 'Update Branches…',
    verb: 'merge the base branch into',
    chosenWords: 'open, not mergeable',
    applies: (row) => hasOpenPullRequest(row) && row.pullRequest?.mergeable === false,
  },
  instruction: {
    reason: 'instruction',
    title: 'Send Instruction…',
    verb: 'send one instruction to',
    chosenWords: 'open or draft',
    applies: hasOpenPullRequest,
  },
};

const REASON_WORDS: Record<FollowUpReason, string> = {
  checks: 'fixing failing checks',
  review: 'answering review',
  conflicts: 'merging the base in',
  instruction: 'following an instruction',
};

/** `round 1 · fixing failing checks`, for a row whose current attempt is a round; [] otherwise. */
export function roundWords(row: RepositoryResult): string[] {
  const round = currentRound(row);
  if (!round) return [];
  const waiting =
    // An auto round that was held (auto-merge was on) waits for review too.
    row.status === 'COMPLETED' && row.publishedAttempt !== row.attempt
      ? ' · not pushed yet'
      : row.status === 'COMPLETED' && isUnreviewedAutoPush(row)
        ? ' · pushed without review'
        : '';
  return [`round ${round.round} · ${REASON_WORDS[round.reason]}${waiting}`];
}

/** The heading of a round above its diff: `Follow-up round 1: fixing failing checks — 2 failing checks: lint, test`. */
export function roundHeading(round: FollowUp): string {
  const summary = round.triggerSummary ? ` — ${round.triggerSummary}` : '';
  const cost = round.costUsd !== undefined ? ` · $${round.costUsd.toFixed(2)}` : '';
  return `Follow-up round ${round.round}: ${REASON_WORDS[round.reason]}${summary}${cost}`;
}

/** One part of a trigger, as the views list it: a title line and the text under it (the host's words). */
export interface TriggerPart {
  title: string;
  /** Lines of the host's text, shown as text (never markup). */
  text?: string;
  /** The file and line it points at, when it does. */
  where?: string;
  url?: string;
}

/** A trigger as parts to show, in the order Claude read them. */
export function triggerParts(trigger: FollowUpTrigger): TriggerPart[] {
  const parts: TriggerPart[] = [];
  for (const check of trigger.checks ?? []) {
    const lines = [check.title, check.summary].filter(Boolean) as string[];
    for (const annotation of check.annotations)
      lines.push(
        `${annotation.path}${annotation.line ? `:${annotation.line}` : ''}${annotation.level ? ` (${annotation.level})` : ''}: ${annotation.message}`,
      );
    if (check.logTail) lines.push('', '… the end of its log:', check.logTail);
    else if (check.logNote) lines.push(`No log: ${check.logNote}`);
    parts.push({
      title: `${check.kind === 'status' ? 'Status' : 'Check'} ${check.name}: ${check.conclusion}`,
      text: lines.join('\n'),
      url: check.url,
    });
  }
  for (const item of trigger.feedback ?? []) {
    const kind = item.kind === 'review-comment' ? 'Review comment' : item.kind === 'review' ? 'Review' : 'Comment';
    parts.push({
      title: `${kind} by @${item.author}${item.state ? ` (${item.state.toLowerCase().replace('_', ' ')})` : ''}`,
      where: item.path ? `${item.path}${item.line ? `:${item.line}` : ''}` : undefined,
      text: item.diffHunk ? `${item.body}\n\n${item.diffHunk}` : item.body,
      url: item.url,
    });
  }
  if (trigger.conflicts) {
    const { baseBranch, baseCommit, files } = trigger.conflicts;
    parts.push({
      title: `${baseBranch} merged in at ${baseCommit.slice(0, 12)}`,
      text: files.length ? `Conflicted: ${files.join(', ')}` : 'No file conflicted.',
    });
  }
  if (trigger.instruction !== undefined)
    parts.push({
      title: trigger.instructionSource
        ? `Instruction: the comment of @${trigger.instructionSource.author}, promoted`
        : 'Instruction from the job’s owner',
      text: trigger.instruction,
      url: trigger.instructionSource?.url,
    });
  return parts;
}

/**
 * What the diff view shows above a round's diff: its heading and its trigger's parts, read from the
 * API; undefined when the attempt is no round. A trigger that cannot be read is said, not thrown:
 * the diff still shows.
 */
export async function roundShown(
  client: {
    getTrigger(jobId: string, repositoryName: string, options: { attempt?: number }): Promise<FollowUpTrigger>;
  },
  row: RepositoryResult,
  attempt: number,
): Promise<RoundShown | undefined> {
  const current = attempt === row.attempt ? currentRound(row) : undefined;
  const earlier = row.previousAttempts?.find((entry) => entry.attempt === attempt)?.followUpRound;
  if (!current && !earlier) return undefined;
  const heading = current
    ? roundHeading(current)
    : `Follow-up round ${earlier!.round}: ${REASON_WORDS[earlier!.reason]}`;
  try {
    const trigger = await client.getTrigger(row.jobId, row.repositoryName, { attempt });
    return { heading, parts: triggerParts(trigger) };
  } catch (error) {
    return { heading, parts: [], note: `What triggered it could not be read: ${(error as Error).message}` };
  }
}
