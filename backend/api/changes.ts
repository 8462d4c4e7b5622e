import { type GroupableRow, groupChanges } from '../../common/changeGroups';
import { currentFingerprint, fingerprintRecord } from '../../common/fingerprint';
import { currentPatchDigest } from '../../common/patchDigest';
import type { Fingerprint, GroupReviewRequest, Job, JobChanges, RepositoryResult } from '../../common/schemas';
import { forEachLimited } from '../store/parallel';
import { reviewRepository, reviewStateOf } from '../store/reviews';
import { patchKeyOf } from './artifactKeys';
import type { ApiDependencies } from './context';
import { type CheckedReview, checkReview } from './custody';
import { RequestError } from './middleware/errors';

// A job's diffs as distinct changes (GET /jobs/{id}/changes) and the review of a whole group
// (PUT /jobs/{id}/changes/{fingerprint}/review). Rows carry the fingerprint the worker computed
// with the diff; a row without one (from before fingerprints), or with one of an earlier attempt or
// patch revision, gets it computed here from its stored diff and saved, so old jobs group too.

/** How many diffs are read at once for rows without a fingerprint. */
const READ_CONCURRENCY = 16;

type Deps = Pick<ApiDependencies, 'store' | 'artifacts' | 'log' | 'keys'>;

interface Fingerprinted {
  rows: { row: RepositoryResult; fingerprint: Fingerprint }[];
  unreadable: string[];
}

/** The job's COMPLETED rows with changes, each with its current fingerprint (computed and saved when missing). */
export async function fingerprintedRows(deps: Deps, job: Job): Promise<Fingerprinted> {
  const all = await deps.store.repositories.listAll(job.jobId);
  const changed = all.filter((row) => row.status === 'COMPLETED' && (row.diffStats?.files ?? 0) > 0);
  const rows: Fingerprinted['rows'] = [];
  const unreadable: string[] = [];
  await forEachLimited(changed, READ_CONCURRENCY, async (row) => {
    const known = currentFingerprint(row);
    if (known) {
      rows.push({ row, fingerprint: known });
      return;
    }
    const key = await patchKeyOf(deps, row, row.attempt);
    const stored = key ? await deps.artifacts.get(key) : undefined;
    if (!stored) {
      unreadable.push(row.repositoryName);
      return;
    }
    const fingerprint = fingerprintRecord(stored.body.toString('utf8'), row.attempt, row.patchRevision ?? 0);
    // Conditional on the attempt and revision: a row that moved on meanwhile keeps its own.
    await deps.store.repositories.setFingerprint(job.jobId, row.repositoryName, fingerprint);
    rows.push({ row: { ...row, fingerprint }, fingerprint });
  });
  rows.sort((a, b) => (a.row.repositoryName < b.row.repositoryName ? -1 : 1));
  return { rows, unreadable: unreadable.sort() };
}

export async function jobChanges(deps: Deps, job: Job): Promise<JobChanges> {
  const { rows, unreadable } = await fingerprintedRows(deps, job);
  const { groups, flagged } = groupChanges(rows.map(({ row, fingerprint }) => groupable(row, fingerprint)));
  // Each member's digest, which a group review sends back for the members it showed.
  const digests = new Map(rows.map(({ row }) => [row.repositoryName, currentPatchDigest(row)]));
  for (const group of groups)
    group.digests = Object.fromEntries(
      group.repositories.flatMap((name) => {
        const digest = digests.get(name);
        return digest ? [[name, digest]] : [];
      }),
    );
  return { jobId: job.jobId, groups, flagged, unreadable };
}

function groupable(row: RepositoryResult, fingerprint: Fingerprint): GroupableRow {
  return {
    repositoryName: row.repositoryName,
    fingerprint,
    diffStats: row.diffStats!,
    costUsd: row.usage?.costUsd ?? 0,
    verificationFailed: row.verification?.passed === false,
    review: reviewStateOf(row),
  };
}

/**
 * Reviews every repository whose current diff has `fingerprint`. Refused with 409 GROUP_CHANGED,
 * before anything is written, when no repository has that change now or when the group's members
 * are not exactly the ones the reviewer was shown (a member's diff changed: a retry, a revised
 * continue, a hunk left out; or another repository's diff joined it), and with 409 PATCH_CHANGED
 * when a member's patch is not the digest shown (or, to approve, its stored bytes no longer hash to
 * it). An approval of a group whose members sit in other surroundings is refused with 409
 * VARIANTS_NOT_OPENED unless `openedVariants` names a member of each. Each approval is signed for
 * its member's digest. Each row's write is then conditional on the
 * attempt and patch revision checked, so a diff that changes between the check and the write is
 * not reviewed: the answer is 409 naming it, the others keep their review.
 */
export async function reviewGroup(
  deps: Deps,
  job: Job,
  owner: string,
  fingerprint: string,
  request: GroupReviewRequest,
): Promise<RepositoryResult[]> {
  const { rows } = await fingerprintedRows(deps, job);
  const members = rows.filter((entry) => entry.fingerprint.exact === fingerprint).map((entry) => entry.row);
  const names = members.map((row) => row.repositoryName);
  if (members.length === 0)
    throw new RequestError(
      'GROUP_CHANGED',
      `No repository of job ${job.jobId} has the change ${fingerprint.slice(0, 12)} now: its diffs changed (or it never had it). Read the job's changes again`,
    );
  const shown = new Map(request.members.map((member) => [member.repositoryName.toLowerCase(), member.digest]));
  const now = new Set(names.map((name) => name.toLowerCase()));
  const left = request.members.map((member) => member.repositoryName).filter((name) => !now.has(name.toLowerCase()));
  const joined = names.filter((name) => !shown.has(name.toLowerCase()));
  if (left.length || joined.length)
    throw new RequestError(
      'GROUP_CHANGED',
      `The change ${fingerprint.slice(0, 12)} has other repositories now${left.length ? `; no longer (their diff changed): ${left.join(', ')}` : ''}${joined.length ? `; new: ${joined.join(', ')}` : ''}. Read the job's changes again`,
    );
  if (request.state === 'approved')
    unopenedVariantsRefusal(job, fingerprint, members, rows, request.openedVariants ?? []);
  // Every member's patch is checked (and each approval signed) before any review is written.
  const checked = new Map<string, CheckedReview>();
  const changed: string[] = [];
  const codes = new Set<RequestError['code']>();
  await forEachLimited(members, READ_CONCURRENCY, async (row) => {
    try {
      checked.set(
        row.repositoryName,
        await checkReview(deps, row, {
          state: request.state,
          ...(request.note !== undefined ? { note: request.note } : {}),
          attempt: row.attempt,
          digest: shown.get(row.repositoryName.toLowerCase()),
        }),
      );
    } catch (error) {
      if (!(error instanceof RequestError)) throw error;
      codes.add(error.code);
      changed.push(`${row.repositoryName} (${error.message})`);
    }
  });
  if (changed.length)
    throw new RequestError(
      codes.size === 1 ? [...codes][0]! : 'PATCH_CHANGED',
      `${changed.length} of the ${members.length} repositories of the change ${fingerprint.slice(0, 12)} are not what you were shown, so none was reviewed: ${changed.sort().join('; ')}. Read the job's changes again`,
    );
  const reviewed: RepositoryResult[] = [];
  const refused: string[] = [];
  await forEachLimited(members, READ_CONCURRENCY, async (row) => {
    const outcome = await reviewRepository(deps.store, job.jobId, owner, row.repositoryName, {
      ...checked.get(row.repositoryName)!,
      patchRevision: row.patchRevision ?? 0,
    });
    if (outcome.ok) reviewed.push(outcome.row);
    else refused.push(`${row.repositoryName} (${outcome.message})`);
  });
  if (refused.length)
    throw new RequestError(
      'GROUP_CHANGED',
      `${refused.length} of the ${members.length} repositories changed while the group was being reviewed and were not reviewed: ${refused.join('; ')}. The other ${reviewed.length} were`,
    );
  return reviewed.sort((a, b) => (a.repositoryName < b.repositoryName ? -1 : 1));
}

/**
 * Refuses (409 VARIANTS_NOT_OPENED) to approve a group as one while a member with the same lines in
 * other surroundings has not been opened: for each distinct surroundings apart from the
 * representative's, `opened` must name one of its members. Reading one is reading them all: their
 * diffs then differ only in line numbers.
 */
function unopenedVariantsRefusal(
  job: Job,
  fingerprint: string,
  members: readonly RepositoryResult[],
  rows: Fingerprinted['rows'],
  opened: readonly string[],
): void {
  const names = new Set(members.map((row) => row.repositoryName));
  const { groups } = groupChanges(
    rows
      .filter((entry) => names.has(entry.row.repositoryName))
      .map(({ row, fingerprint }) => groupable(row, fingerprint)),
  );
  const seen = new Set(opened.map((name) => name.toLowerCase()));
  const unopened = (groups[0]?.surroundings ?? []).filter(
    (variant) => !variant.repositories.some((name) => seen.has(name.toLowerCase())),
  );
  if (unopened.length === 0) return;
  const total = groups[0]!.surroundings!.length;
  throw new RequestError(
    'VARIANTS_NOT_OPENED',
    `Not approved: the change ${fingerprint.slice(0, 12)} of job ${job.jobId} has the same lines in ${total} other surroundings than ${groups[0]!.representative}'s, and ${unopened.length} of them ${unopened.length === 1 ? 'was' : 'were'} not opened: ${unopened.map((variant) => variant.repositories[0]).join(', ')}. Open each (its diff shows what surrounds the change), then approve the group naming them in openedVariants`,
  );
}
