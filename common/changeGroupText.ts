import { formatCount } from './format';
import type { ChangeGroup, FlaggedRepository, JobChanges, RepositoryResult, ReviewCounts } from './schemas';
import { reviewStateOf } from './status';
import type { GroupShown } from './webviewProtocol';

// How a job's change groups read to a reviewer: "38 repositories · the same change", "4 · a variant
// of it", "1 · outlier: touches package-lock.json", with their review counts and what a group
// button does. Pure and browser-safe: the overview, the group view and the extension say the same.

export type GroupKind = 'main' | 'variant' | 'outlier' | 'other';

export interface GroupLine {
  fingerprint: string;
  kind: GroupKind;
  /** The whole line: "38 repositories · the same change". */
  title: string;
  /** The flags of its members, in words, each once ("touches package-lock.json, which …"). */
  reasons: string[];
  repositories: string[];
  /** Each member's patch digest, by name, as the job's changes gave it: a group review sends them back. */
  digests: Record<string, string>;
  representative: string;
  files: string[];
  additions: number;
  deletions: number;
  reviewCounts: ReviewCounts;
  /** "3 of 38 reviewed · 3 approved". */
  reviewed: string;
  /** Every member approved, or every member rejected: the matching button has nothing left to do. */
  allApproved: boolean;
  allRejected: boolean;
  /** How many other surroundings its members' same lines sit in (each to open before approving it as one). */
  surroundings: number;
  /** "Same lines, different surroundings: 2 to open in the group before approving it", or undefined. */
  surroundingsNote?: string;
}

function size(count: number, first: boolean): string {
  if (!first) return formatCount(count);
  return `${formatCount(count)} ${count === 1 ? 'repository' : 'repositories'}`;
}

/** "3 of 38 reviewed · 2 approved, 1 rejected" (the parts that are not zero). */
export function reviewedText(counts: ReviewCounts): string {
  const total = counts.approved + counts.rejected + counts.unreviewed;
  const reviewed = counts.approved + counts.rejected;
  const parts = [
    counts.approved ? `${formatCount(counts.approved)} approved` : undefined,
    counts.rejected ? `${formatCount(counts.rejected)} rejected` : undefined,
  ].filter(Boolean);
  return `${formatCount(reviewed)} of ${formatCount(total)} reviewed${parts.length ? ` · ${parts.join(', ')}` : ''}`;
}

/**
 * The flag reasons of a group's members, each sentence once, in the order the API gave them, and
 * apart from them "no other repository made this change" (said only when nothing more telling is).
 */
function reasonsOf(group: ChangeGroup, flagged: readonly FlaggedRepository[]): { telling: string[]; alone: string[] } {
  const members = new Set(group.repositories);
  const telling = new Set<string>();
  const alone = new Set<string>();
  for (const flag of flagged)
    if (flag.fingerprint === group.fingerprint || members.has(flag.repositoryName))
      for (const reason of flag.reasons) (reason.code === 'group-of-one' ? alone : telling).add(reason.message);
  return { telling: [...telling], alone: [...alone] };
}

/**
 * One line per group, largest first as the API sorts them. The first group is "the same change";
 * a group with a member flagged for its size, files, verification or cost is an "outlier" with
 * its reasons; one whose loose fingerprint a larger group shares is "a variant of the same change"; a group of
 * one otherwise is an outlier too; any other is "a different change". When every change is its
 * own (the largest group is one repository), each is "a change of its own", and none an outlier.
 */
export function groupLines(changes: JobChanges): GroupLine[] {
  const main = changes.groups[0]?.fingerprint;
  // Every change its own: no "largest group" to measure the others by, so no outliers of it either.
  const allDifferent = changes.groups.length > 1 && changes.groups[0]!.repositories.length === 1;
  return changes.groups.map((group, index) => {
    const { telling, alone } = reasonsOf(group, changes.flagged);
    if (allDifferent) return line(group, index, 'other', [], 'a change of its own');
    const kind: GroupKind =
      index === 0
        ? 'main'
        : telling.length > 0
          ? 'outlier'
          : group.variantOf
            ? 'variant'
            : alone.length > 0
              ? 'outlier'
              : 'other';
    const reasons = kind === 'outlier' ? (telling.length > 0 ? telling : alone) : [];
    const what =
      kind === 'main'
        ? 'the same change'
        : kind === 'outlier'
          ? `outlier: ${reasons.join('; ')}`
          : kind === 'variant'
            ? group.variantOf === main
              ? 'a variant of the same change: only indentation differs'
              : 'a variant of another change: only indentation differs'
            : 'a different change';
    return line(group, index, kind, reasons, what);
  });
}

function line(group: ChangeGroup, index: number, kind: GroupKind, reasons: string[], what: string): GroupLine {
  const counts = group.reviewCounts;
  const total = counts.approved + counts.rejected + counts.unreviewed;
  return {
    fingerprint: group.fingerprint,
    kind,
    title: `${size(group.repositories.length, index === 0)} · ${what}`,
    reasons,
    repositories: group.repositories,
    digests: group.digests ?? {},
    representative: group.representative,
    files: group.files,
    additions: group.additions,
    deletions: group.deletions,
    reviewCounts: counts,
    reviewed: reviewedText(counts),
    allApproved: total > 0 && counts.approved === total,
    allRejected: total > 0 && counts.rejected === total,
    surroundings: group.surroundings?.length ?? 0,
    ...(group.surroundings?.length ? { surroundingsNote: surroundingsNote(group.surroundings.length) } : {}),
  };
}

/** What the group view and the overview say of a group whose members sit in other surroundings. */
export function surroundingsNote(count: number, opened = 0): string {
  const left = count - opened;
  if (left <= 0) return `Same lines, different surroundings: all ${formatCount(count)} opened.`;
  const which = left === count ? (count === 1 ? 'it' : 'each') : `the ${formatCount(left)} not opened yet`;
  return (
    `Same lines, different surroundings: ${formatCount(count)} ${count === 1 ? 'member has' : 'members have'} ` +
    `the change with other code around it; open ${which} before approving the group as one.`
  );
}

/** "Approved 38 repositories (the same change)." — what a group review did. */
export function groupReviewedText(state: 'approved' | 'rejected', count: number): string {
  return `${state === 'approved' ? 'Approved' : 'Rejected'} ${formatCount(count)} ${count === 1 ? 'repository' : 'repositories'}.`;
}

/** A change group as the group view shows it: its line in words, its members with their reviews (from `rows`). */
export function groupShown(
  changes: JobChanges,
  fingerprint: string,
  rows: readonly Pick<RepositoryResult, 'repositoryName' | 'attempt' | 'review'>[],
  opened: readonly string[] = [],
): GroupShown | undefined {
  const line = groupLines(changes).find((each) => each.fingerprint === fingerprint);
  if (!line) return undefined;
  const group = changes.groups.find((each) => each.fingerprint === fingerprint);
  const seen = new Set(opened.map((name) => name.toLowerCase()));
  const byName = new Map(rows.map((row) => [row.repositoryName, row]));
  const next = nextUnreviewedGroup(changes, fingerprint);
  return {
    fingerprint,
    title: line.title,
    kind: line.kind,
    ...(next ? { next: { fingerprint: next.fingerprint, title: next.title } } : {}),
    representative: line.representative,
    members: line.repositories.map((repositoryName) => {
      const row = byName.get(repositoryName);
      const digest = changes.groups.find((group) => group.fingerprint === fingerprint)?.digests?.[repositoryName];
      return { repositoryName, state: row ? reviewStateOf(row) : 'unreviewed', ...(digest ? { digest } : {}) };
    }),
    ...(group?.surroundings
      ? {
          surroundings: group.surroundings.map((variant) => ({
            repositories: variant.repositories,
            opened: variant.repositories.some((name) => seen.has(name.toLowerCase())),
          })),
        }
      : {}),
  };
}

/** The first group after `fingerprint` (largest first, going round) with a member not reviewed yet. */
export function nextUnreviewedGroup(changes: JobChanges, fingerprint: string): GroupLine | undefined {
  const lines = groupLines(changes);
  const at = lines.findIndex((line) => line.fingerprint === fingerprint);
  const after = [...lines.slice(at + 1), ...lines.slice(0, Math.max(at, 0))];
  return after.find((line) => line.fingerprint !== fingerprint && line.reviewCounts.unreviewed > 0);
}
