import { type GroupableRow, groupChanges } from '../../common/changeGroups';
import { currentFingerprint, fingerprintRecord } from '../../common/fingerprint';
import { currentPatchDigest } from '../../common/patchDigest';
import type {
  Fingerprint,
  GroupReviewRequest,
  Job,
  JobChanges,
  RepositoryActionResult,
  RepositoryResult,
  ReviewState,
} from '../../common/schemas';
import { FINAL_REPOSITORY_STATUSES, type RepositoryStatus } from '../../common/status';
import { forEachLimited } from '../store/parallel';
import { recountReviews, reviewFrom, reviewStateOf } from '../store/reviews';
import { OperationFailed, type OperationWork } from './operations';
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
 * The members a group review of `fingerprint` reviews, each with the digest the reviewer was shown,
 * checked before anything is written: 409 GROUP_CHANGED when no repository has that change now or
 * when the group's members are not exactly the ones the reviewer was shown (a member's diff
 * changed: a retry, a revised continue, a hunk left out; or another repository's diff joined it);
 * 409 PATCH_CHANGED when a member's patch is not the digest shown, UNVERIFIED_ROW when it carries
 * no valid seal or signature; and an approval of a group whose members sit in other surroundings,
 * 409 VARIANTS_NOT_OPENED unless `openedVariants` names a member of each. An approval's stored
 * bytes are hashed here too (409 PATCH_CHANGED) for up to INLINE_APPROVAL_CHECKS members; a larger
 * group's by the operation (`groupReviewWork`) before it writes any review. Each row's write is then
 * conditional on the attempt and patch revision checked, so a diff that changes between the check
 * and the write is not reviewed; it is named (409 when the request sees the end, a failed result
 * when the operation goes on after it), and the others keep their review.
 */
export async function groupMembers(
  deps: Deps,
  job: Job,
  fingerprint: string,
  request: GroupReviewRequest,
): Promise<{ row: RepositoryResult; digest: string }[]> {
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
      `The change ${fingerprint.slice(0, 12)} has other repositories ` +
        `now${left.length ? `; no longer (their diff changed): ${left.join(', ')}` : ''}${joined.length ? `; new: ${joined.join(', ')}` : ''}. ` +
        `Read the job's changes again`,
    );
  if (request.state === 'approved')
    unopenedVariantsRefusal(job, fingerprint, members, rows, request.openedVariants ?? []);
  // Every member's patch is checked before any review is written: from its row, and for an approval
  // of up to INLINE_APPROVAL_CHECKS members its stored bytes hashed too, so a swapped patch is this
  // request's 409, not a failed operation after it answered.
  const storedBytes = hashesInRequest(request.state, members.length);
  const changed: string[] = [];
  const codes = new Set<RequestError['code']>();
  await forEachLimited(members, storedBytes ? HASH_CONCURRENCY : READ_CONCURRENCY, async (row) => {
    try {
      await checkReview(
        deps,
        row,
        {
          state: request.state,
          ...(request.note !== undefined ? { note: request.note } : {}),
          attempt: row.attempt,
          digest: shown.get(row.repositoryName.toLowerCase()),
        },
        { storedBytes },
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
      `${changed.length} of the ${members.length} repositories of the change ` +
        `${fingerprint.slice(0, 12)} are not what you were shown, so none was reviewed: ` +
        `${changed.sort().join('; ')}. Read the job's changes again`,
    );
  return members.map((row) => ({ row, digest: shown.get(row.repositoryName.toLowerCase())! }));
}

/** What a group review operation was asked: the change, the review, and each member as it was checked. */
export interface GroupReviewOrder {
  fingerprint: string;
  state: ReviewState;
  note?: string;
  /** Each member's digest as the reviewer was shown it, and the attempt and patch revision that had it. */
  members: Record<string, { digest: string; attempt: number; patchRevision: number }>;
}

/** The operation's request for a group review of these checked members. */
export function groupReviewOrder(
  fingerprint: string,
  request: GroupReviewRequest,
  members: readonly { row: RepositoryResult; digest: string }[],
): GroupReviewOrder {
  return {
    fingerprint,
    state: request.state,
    ...(request.note !== undefined ? { note: request.note } : {}),
    members: Object.fromEntries(
      members.map(({ row, digest }) => [
        row.repositoryName,
        { digest, attempt: row.attempt, patchRevision: row.patchRevision ?? 0 },
      ]),
    ),
  };
}

/**
 * Groups whose approval a request checks itself (their stored patches hashed, HASH_CONCURRENCY reads
 * at once) before it answers; a larger one's, after, in the operation's prepare. 2,000 reads from
 * S3 at 32 at once take a few seconds, well within a request's 29.
 */
const INLINE_APPROVAL_CHECKS = 2_000;
/** Stored patches read and hashed at once by an approval's check: bounded, as they are read whole. */
const HASH_CONCURRENCY = 32;

/** Whether an approval's request hashes its members' stored patches itself (the operation starts past them). */
export function hashesInRequest(state: ReviewState, members: number): boolean {
  return state === 'approved' && members <= INLINE_APPROVAL_CHECKS;
}

const GROUP_BATCH = 200;

/**
 * A group's reviews. An approval's every stored patch is hashed before its first write: by the
 * request for a group of up to INLINE_APPROVAL_CHECKS (its 409), else here (`prepare`), where one
 * that no longer hashes to its digest, or cannot be vouched for, ends the operation failed with the
 * code a request answers (PATCH_CHANGED, UNVERIFIED_ROW) and nothing reviewed. Then 200 members a batch:
 * each approval signed for its member's digest, each row's write conditional on the attempt and
 * patch revision checked, the counters in one write per batch.
 */
export const groupReviewWork: OperationWork = {
  batchSize: GROUP_BATCH,
  keepAllResults: true,
  prepareInline: (run) => run.state.total <= INLINE_APPROVAL_CHECKS,
  async prepare(run) {
    const { store } = run.deps;
    const order = run.request as unknown as GroupReviewOrder;
    const changed: string[] = [];
    const codes = new Set<RequestError['code']>();
    for (let from = 0; from < run.state.total; from += GROUP_BATCH) {
      const names = await store.lists.slice(run.job.jobId, run.state.list!, from, from + GROUP_BATCH);
      const rows = await store.repositories.getMany(run.job.jobId, names);
      await forEachLimited(rows, HASH_CONCURRENCY, async (row) => {
        const member = order.members[row.repositoryName];
        try {
          await checkReview(run.deps, row, { state: order.state, attempt: member?.attempt, digest: member?.digest });
        } catch (error) {
          if (!(error instanceof RequestError)) throw error;
          codes.add(error.code);
          changed.push(`${row.repositoryName} (${error.message})`);
        }
      });
      if (!(await run.keepAlive())) throw new OperationFailed('Another operation took the job over');
    }
    if (changed.length)
      throw new OperationFailed(
        `${changed.length} of the ${run.state.total} repositories of the change ` +
          `${order.fingerprint.slice(0, 12)} are not what you were shown, so none was reviewed: ` +
          `${changed.sort().join('; ')}. Read the job's changes again`,
        codes.size === 1 ? [...codes][0]! : 'PATCH_CHANGED',
      );
    if (!(await run.record({ phase: 'items' }))) throw new OperationFailed('Another operation took the job over');
  },
  names: (run, from, to) => run.deps.store.lists.slice(run.job.jobId, run.state.list!, from, to),
  async process(run, names) {
    const { store } = run.deps;
    const order = run.request as unknown as GroupReviewOrder;
    const jobId = run.job.jobId;
    const rows = new Map((await store.repositories.getMany(jobId, names)).map((row) => [row.repositoryName, row]));
    const reviewedAt = new Date().toISOString();
    const moves: { from: ReviewState; to: ReviewState }[] = [];
    const results: RepositoryActionResult[] = [];
    const statuses: readonly RepositoryStatus[] =
      order.state === 'approved'
        ? ['COMPLETED']
        : order.state === 'rejected'
          ? FINAL_REPOSITORY_STATUSES
          : ['PENDING', 'RUNNING', ...FINAL_REPOSITORY_STATUSES];
    await forEachLimited(names, READ_CONCURRENCY, async (repositoryName) => {
      const row = rows.get(repositoryName);
      const member = order.members[repositoryName];
      const failed = (reason: string) => results.push({ repositoryName, outcome: 'failed', reason });
      if (!row || !member || row.attempt !== member.attempt || (row.patchRevision ?? 0) !== member.patchRevision) {
        failed('Not reviewed: its diff changed since the group was read (a new attempt, or another revision)');
        return;
      }
      let checked: CheckedReview;
      try {
        // Its stored bytes were hashed before the first write (the request or prepare): the signature is the check left.
        checked = await checkReview(
          run.deps,
          row,
          { state: order.state, attempt: member.attempt, digest: member.digest },
          { storedBytes: false },
        );
      } catch (error) {
        if (!(error instanceof RequestError)) throw error;
        failed(`Not reviewed: ${error.message}`);
        return;
      }
      const review = reviewFrom(order, row.attempt, reviewedAt, checked.approval);
      const before = await store.repositories.setReview(jobId, repositoryName, review, {
        attempt: member.attempt,
        statuses,
        patchRevision: member.patchRevision,
      });
      if (!before) {
        failed('Not reviewed: its diff changed since the group was read (a new attempt, or another revision)');
        return;
      }
      moves.push({ from: reviewStateOf(before), to: order.state });
      results.push({ repositoryName, outcome: 'done' });
    });
    // Counted only while this runner holds the operation: one that lost it leaves the count to its
    // successor, which counts from the rows (a late count would count the batch twice).
    if (!(await store.jobs.addReviewCounts(jobId, moves, run.held)) && (await run.keepAlive()))
      await recountReviews(store, jobId);
    return { results };
  },
  async finish(run) {
    // A runner that stopped between its batch's reviews and their counters left reviews its successor
    // writes again from the same state, which moves no counter: the rows say what is reviewed.
    if (run.state.recount) await recountReviews(run.deps.store, run.job.jobId);
  },
};

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
    `Not approved: the change ${fingerprint.slice(0, 12)} of job ${job.jobId} has the same ` +
      `lines in ${total} other surroundings than ${groups[0]!.representative}'s, and ` +
      `${unopened.length} of them ${unopened.length === 1 ? 'was' : 'were'} not opened: ` +
      `${unopened.map((variant) => variant.repositories[0]).join(', ')}. Open each (its diff ` +
      `shows what surrounds the change), then approve the group naming them in openedVariants`,
  );
}
