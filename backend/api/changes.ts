import { type GroupableRow, groupChanges } from '../../common/changeGroups';
import { currentFingerprint, fingerprintRecord } from '../../common/fingerprint';
import type {
  Fingerprint,
  GroupReviewRequest,
  Job,
  JobChanges,
  RepositoryActionResult,
  RepositoryResult,
  Review,
  ReviewState,
} from '../../common/schemas';
import { FINAL_REPOSITORY_STATUSES, type RepositoryStatus } from '../../common/status';
import { forEachLimited } from '../store/parallel';
import { recountReviews, reviewStateOf } from '../store/reviews';
import { OperationFailed, type OperationWork } from './operations';
import { patchKeyOf } from './artifactKeys';
import type { ApiDependencies } from './context';
import { RequestError } from './middleware/errors';

// A job's diffs as distinct changes (GET /jobs/{id}/changes) and the review of a whole group
// (PUT /jobs/{id}/changes/{fingerprint}/review). Rows carry the fingerprint the worker computed
// with the diff; a row without one (from before fingerprints), or with one of an earlier attempt or
// patch revision, gets it computed here from its stored diff and saved, so old jobs group too.

/** How many diffs are read at once for rows without a fingerprint. */
const READ_CONCURRENCY = 16;

type Deps = Pick<ApiDependencies, 'store' | 'artifacts' | 'log'>;

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
 * The repositories a group review of `fingerprint` reviews, checked before anything is written:
 * refused with 409 GROUP_CHANGED when no repository has that change now or, with `repositories`,
 * when the group's members are not exactly the ones the reviewer saw (a member's diff changed: a
 * retry, a revised continue, a hunk left out; or another repository's diff joined it). Their
 * reviews are then an operation (`groupReviewWork`): each row's write is conditional on the
 * attempt and patch revision whose fingerprint matched, so a diff that changes between the check
 * and the write is not reviewed; it is named (409 when the request sees the end, a failed result
 * when the operation goes on after it), and the others keep their review.
 */
export async function groupMembers(
  deps: Deps,
  job: Job,
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
  if (request.repositories) {
    const seen = new Set(request.repositories.map((name) => name.toLowerCase()));
    const now = new Set(names.map((name) => name.toLowerCase()));
    const left = request.repositories.filter((name) => !now.has(name.toLowerCase()));
    const joined = names.filter((name) => !seen.has(name.toLowerCase()));
    if (left.length || joined.length)
      throw new RequestError(
        'GROUP_CHANGED',
        `The change ${fingerprint.slice(0, 12)} has other repositories now${left.length ? `; no longer (their diff changed): ${left.join(', ')}` : ''}${joined.length ? `; new: ${joined.join(', ')}` : ''}. Read the job's changes again`,
      );
  }
  return members;
}

/** What a group review operation was asked. */
interface GroupReviewOrder {
  fingerprint: string;
  state: GroupReviewRequest['state'];
  note?: string;
}

/** A group's reviews, 200 members a batch: each row's write conditional, the counters in one write per batch. */
export const groupReviewWork: OperationWork = {
  batchSize: 200,
  keepAllResults: true,
  async prepare() {
    throw new OperationFailed('A group review starts with its members chosen');
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
    await forEachLimited(names, READ_CONCURRENCY, async (repositoryName) => {
      const row = rows.get(repositoryName);
      const revision = row?.patchRevision ?? 0;
      const current =
        row?.fingerprint?.exact === order.fingerprint &&
        row.fingerprint.attempt === row.attempt &&
        row.fingerprint.patchRevision === revision;
      const statuses: readonly RepositoryStatus[] =
        order.state === 'approved'
          ? ['COMPLETED']
          : order.state === 'rejected'
            ? FINAL_REPOSITORY_STATUSES
            : ['PENDING', 'RUNNING', ...FINAL_REPOSITORY_STATUSES];
      const review: Review | undefined =
        order.state === 'unreviewed'
          ? undefined
          : {
              state: order.state,
              ...(order.note?.trim() ? { note: order.note.trim() } : {}),
              attempt: row!.attempt,
              reviewedAt,
            };
      const before =
        row && current
          ? await store.repositories.setReview(jobId, repositoryName, review, {
              attempt: row.attempt,
              statuses,
              patchRevision: revision,
            })
          : undefined;
      if (!before) {
        results.push({
          repositoryName,
          outcome: 'failed',
          reason: 'Not reviewed: its diff changed since the group was read (a new attempt, or another revision)',
        });
        return;
      }
      moves.push({ from: reviewStateOf(before), to: order.state });
      results.push({ repositoryName, outcome: 'done' });
    });
    if (!(await store.jobs.addReviewCounts(jobId, moves))) await recountReviews(store, jobId);
    return { results };
  },
  async finish() {},
};
