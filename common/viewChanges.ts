import { formatCount } from './format';
import type { JobChanges, RepositoryResult, ReviewState } from './schemas';
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
