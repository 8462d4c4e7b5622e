import type {
  ChangeGroup,
  DiffStats,
  Fingerprint,
  FlaggedRepository,
  FlagReason,
  ReviewCounts,
  ReviewState,
} from './schemas';

// A job's diffs as distinct changes: rows that share an exact fingerprint form a group, groups
// that share a loose one are variants of the largest of them, members whose change sits in other
// surroundings than the representative's are listed apart (`surroundings`: the same lines, which
// must be opened before the group is approved as one), and the repositories a reviewer should look
// at on their own are flagged with their reasons. Pure and browser-safe; the API
// answers GET /jobs/{id}/changes with it.

/** What grouping needs of a COMPLETED row with changes and a current fingerprint. */
export interface GroupableRow {
  repositoryName: string;
  fingerprint: Fingerprint;
  diffStats: DiffStats;
  costUsd: number;
  verificationFailed: boolean;
  review: ReviewState;
}

/** Over this many times the job's median, a diff's size or a repository's cost stands out. */
export const OUTLIER_FACTOR = 3;

export function groupChanges(rows: readonly GroupableRow[]): { groups: ChangeGroup[]; flagged: FlaggedRepository[] } {
  const byExact = new Map<string, GroupableRow[]>();
  for (const row of rows) {
    const members = byExact.get(row.fingerprint.exact);
    if (members) members.push(row);
    else byExact.set(row.fingerprint.exact, [row]);
  }
  const groups: ChangeGroup[] = [...byExact.values()].map((members) => {
    members.sort((a, b) => compare(a.repositoryName, b.repositoryName));
    const [shown, ...others] = bySurroundings(members);
    const first = shown![0]!;
    const reviewCounts: ReviewCounts = { unreviewed: 0, approved: 0, rejected: 0 };
    for (const member of members) reviewCounts[member.review]++;
    return {
      fingerprint: first.fingerprint.exact,
      looseFingerprint: first.fingerprint.loose,
      repositories: members.map((member) => member.repositoryName),
      files: first.fingerprint.files,
      additions: first.diffStats.additions,
      deletions: first.diffStats.deletions,
      representative: first.repositoryName,
      reviewCounts,
      ...(others.length
        ? { surroundings: others.map((each) => ({ repositories: each.map((member) => member.repositoryName) })) }
        : {}),
    };
  });
  // Largest first; among equals, by the representative's name, so the order is stable.
  groups.sort((a, b) => b.repositories.length - a.repositories.length || compare(a.representative, b.representative));
  const largestByLoose = new Map<string, string>();
  for (const group of groups) {
    const largest = largestByLoose.get(group.looseFingerprint);
    if (largest === undefined) largestByLoose.set(group.looseFingerprint, group.fingerprint);
    else group.variantOf = largest;
  }
  return { groups, flagged: flag(rows, groups) };
}

/**
 * A group's members by what surrounds their change (their context fingerprint), largest first, then
 * by name: the representative is a member of the first, so the fewest variants need opening. A row
 * without a context fingerprint stands alone.
 */
function bySurroundings(members: readonly GroupableRow[]): GroupableRow[][] {
  const byContext = new Map<string, GroupableRow[]>();
  for (const member of members) {
    const key = member.fingerprint.context ?? `\u0000${member.repositoryName}`;
    const same = byContext.get(key);
    if (same) same.push(member);
    else byContext.set(key, [member]);
  }
  return [...byContext.values()].sort(
    (a, b) => b.length - a.length || compare(a[0]!.repositoryName, b[0]!.repositoryName),
  );
}

function flag(rows: readonly GroupableRow[], groups: readonly ChangeGroup[]): FlaggedRepository[] {
  const sizes = rows.map((row) => row.diffStats.additions + row.diffStats.deletions);
  const medianSize = median(sizes);
  const medianCost = median(rows.map((row) => row.costUsd));
  const mainFiles = new Set(groups[0]?.files ?? []);
  const groupSize = new Map(groups.map((group) => [group.fingerprint, group.repositories.length]));
  const flagged: FlaggedRepository[] = [];
  rows.forEach((row, index) => {
    const reasons: FlagReason[] = [];
    const size = sizes[index]!;
    if (medianSize > 0 && size > OUTLIER_FACTOR * medianSize)
      reasons.push({
        code: 'large-diff',
        message: `changes ${size} lines, over ${OUTLIER_FACTOR}× the job's median of ${medianSize}`,
      });
    const extra = row.fingerprint.files.filter((file) => !mainFiles.has(file));
    if (extra.length)
      reasons.push({
        code: 'extra-files',
        message: `touches ${listed(extra)}, which the largest group does not`,
      });
    if (row.verificationFailed) reasons.push({ code: 'verification-failed', message: 'its verification failed' });
    if (medianCost > 0 && row.costUsd > OUTLIER_FACTOR * medianCost)
      reasons.push({
        code: 'high-cost',
        message: `cost $${row.costUsd.toFixed(2)}, over ${OUTLIER_FACTOR}× the job's median of $${medianCost.toFixed(2)}`,
      });
    if (rows.length > 1 && groupSize.get(row.fingerprint.exact) === 1)
      reasons.push({ code: 'group-of-one', message: 'no other repository made this change' });
    if (reasons.length)
      flagged.push({ repositoryName: row.repositoryName, fingerprint: row.fingerprint.exact, reasons });
  });
  return flagged.sort((a, b) => compare(a.repositoryName, b.repositoryName));
}

/** The middle value (the mean of the two middle ones for an even count); 0 for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function listed(files: readonly string[]): string {
  return files.length <= 3 ? files.join(', ') : `${files.slice(0, 3).join(', ')} and ${files.length - 3} more`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
