import type { CodyBatchClient } from './client';
import { formatCount } from './format';
import type { Job, JobChanges, RepositoryResult, ReviewState } from './schemas';
import { reviewStateOf } from './status';

// "Never show one thing and act on another": what a diff or group view painted, and whether what
// it shows has changed since (a new attempt, a new revision of the patch, a review made elsewhere,
// the group's members). A view that is told so says "this changed — reload" and acts on nothing
// until it has shown what is there now. Pure and browser-safe: the extension's panels and the web
// app's pages compare the same way.

/** What a repository's diff view painted. */
export interface PaintedRepository {
  repositoryName: string;
  /** The attempt shown; `followsCurrent`: the view shows whichever attempt is current (not a pinned earlier one). */
  attempt: number;
  followsCurrent: boolean;
  status: RepositoryResult['status'];
  /** The row's current patch revision when painted (0: the worker's own diff). */
  patchRevision: number;
  review: ReviewState;
}

export function paintedRepository(row: RepositoryResult, shownAttempt: number): PaintedRepository {
  return {
    repositoryName: row.repositoryName,
    attempt: shownAttempt,
    followsCurrent: shownAttempt === row.attempt,
    status: row.status,
    patchRevision: row.patchRevision ?? 0,
    review: reviewStateOf(row),
  };
}

const REVIEW_WORDS: Record<ReviewState, string> = {
  approved: 'approved',
  rejected: 'rejected',
  unreviewed: 'no longer reviewed',
};

/** Why the view no longer shows what is there (a sentence), or undefined when it still does. */
export function repositoryChange(painted: PaintedRepository, row: RepositoryResult): string | undefined {
  const name = painted.repositoryName;
  // An earlier attempt pinned in the view is read-only, and it never changes.
  if (!painted.followsCurrent) return undefined;
  if (row.attempt !== painted.attempt)
    return row.status === 'PENDING' || row.status === 'RUNNING'
      ? `${name} is running again (attempt ${row.attempt}) since this was shown.`
      : `${name} ran again since this was shown: attempt ${row.attempt} is its current one.`;
  if (row.status !== painted.status) return `${name} is ${row.status.toLowerCase().replaceAll('_', ' ')} now.`;
  const revision = row.patchRevision ?? 0;
  if (revision !== painted.patchRevision)
    return `Revision ${revision} of ${name}'s patch was saved since this was shown.`;
  const review = reviewStateOf(row);
  if (review !== painted.review) return `${name} was ${REVIEW_WORDS[review]} elsewhere since this was shown.`;
  return undefined;
}

/** What a group view painted: the group's members with their reviews, and whose diff stood for it. */
export interface PaintedGroup {
  fingerprint: string;
  representative: string;
  members: readonly { repositoryName: string; state: ReviewState }[];
}

function names(list: readonly string[]): string {
  const shown = list.slice(0, 3).join(', ');
  return list.length > 3 ? `${shown} and ${formatCount(list.length - 3)} more` : shown;
}

/** Why the group view no longer shows the group as it is, or undefined when it still does. */
export function groupChange(painted: PaintedGroup, changes: JobChanges): string | undefined {
  const group = changes.groups.find((each) => each.fingerprint === painted.fingerprint);
  if (!group) return 'This group is gone since it was shown: its repositories’ diffs changed.';
  const now = new Set(group.repositories);
  const before = new Set(painted.members.map((member) => member.repositoryName));
  const left = [...before].filter((name) => !now.has(name));
  const joined = [...now].filter((name) => !before.has(name));
  if (left.length > 0 || joined.length > 0)
    return [
      'The group changed since it was shown:',
      left.length > 0 ? `${names(left)} left it` : undefined,
      left.length > 0 && joined.length > 0 ? 'and' : undefined,
      joined.length > 0 ? `${names(joined)} joined it` : undefined,
    ]
      .filter(Boolean)
      .join(' ')
      .concat('.');
  const count = (state: ReviewState) => painted.members.filter((member) => member.state === state).length;
  const { approved, rejected, unreviewed } = group.reviewCounts;
  if (approved !== count('approved') || rejected !== count('rejected') || unreviewed !== count('unreviewed'))
    return 'Reviews of this group’s repositories changed since it was shown.';
  return undefined;
}

/** What a diff view painted: its repository, and in group mode the group. */
export interface PaintedView {
  repository: PaintedRepository;
  group?: PaintedGroup;
}

/** What a look reads: the typed client's reads (the extension's and the web app's are the same). */
export type ChangeReader = Pick<CodyBatchClient, 'getJob' | 'getRepository' | 'getChanges'>;

/** A diff view's look: its group's members as they are now, or its repository's row. */
export async function viewChange(
  client: ChangeReader,
  jobId: string,
  painted: PaintedView,
): Promise<string | undefined> {
  if (painted.group) return groupChange(painted.group, await client.getChanges(jobId));
  return repositoryChange(painted.repository, await client.getRepository(jobId, painted.repository.repositoryName));
}

/**
 * What a Job overview painted: the job as of then, and its groups (a revision of an unreviewed
 * repository moves no counter of the job, but it moves the repository out of its group).
 */
export interface PaintedOverview {
  updatedAt: string;
  groups: string;
}

function groupsKey(changes: JobChanges | undefined): string {
  return JSON.stringify(
    changes?.groups.map((group) => [group.fingerprint, group.repositories, group.reviewCounts]) ?? null,
  );
}

export function paintedOverview(job: Pick<Job, 'updatedAt'>, changes: JobChanges | undefined): PaintedOverview {
  return { updatedAt: job.updatedAt, groups: groupsKey(changes) };
}

/** An overview's look: the job first (one read), then its groups. */
export async function overviewChange(
  client: ChangeReader,
  jobId: string,
  painted: PaintedOverview,
): Promise<string | undefined> {
  const job = await client.getJob(jobId);
  if (job.updatedAt !== painted.updatedAt) return 'The job changed.';
  const changes = await client.getChanges(jobId).catch(() => undefined);
  return changes && groupsKey(changes) !== painted.groups ? 'The change groups changed.' : undefined;
}

/** What a view says when the API refused to act on what it painted (409: its patch, its attempt moved). */
export function refusedAsChanged(repositoryName: string, apiMessage: string): string {
  return `${repositoryName} changed since this was shown (${apiMessage}). Reload the view to see it as it is now, then review it.`;
}

/**
 * One open view's looks at what it painted. A look runs `check` (one at a time); what it finds is
 * said once, and only when the page has not painted again since the look began (it compared with
 * what the page no longer shows). Until the page paints again, `unchanged` refuses every action.
 * When to look is the host's: the extension's panels (extension/webviews/viewWatch.ts) and the web
 * app's pages (webviews/app/viewWatch.ts), each in its own way.
 */
export class StaleWatch {
  private generation = 0;
  private looking = false;
  private found: string | undefined;

  constructor(private readonly say: (message: string) => void) {}

  /** Why what the page shows is not what is there, if a look (or a refusal) found so. */
  get stale(): string | undefined {
    return this.found;
  }

  async look(check: () => Promise<string | undefined>): Promise<void> {
    if (this.looking || this.found) return;
    this.looking = true;
    const started = this.generation;
    try {
      const found = await check();
      if (found && started === this.generation) this.changed(found);
    } finally {
      this.looking = false;
    }
  }

  /** What the page shows is known to have changed (the API refused to act on it): say so now. */
  changed(message: string): void {
    if (this.found) return;
    this.found = message;
    this.say(message);
  }

  /** The page painted anew: what it shows is what is there. */
  painted(): void {
    this.generation++;
    this.found = undefined;
  }

  /** Refuses an action while the page shows what is not there any more. */
  unchanged(): void {
    if (this.found) throw new Error(`${this.found} Reload the view to see it as it is now, then act.`);
  }
}
