import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { heldBack, isSampling } from '../../common/sample';
import {
  type Counts,
  emptyUsage,
  type FollowUp,
  Job,
  type NameList,
  type PreviousAttempt,
  type RepositoryResult,
  type TaskRevision,
  type Usage,
} from '../../common/schemas';
import {
  COUNT_KEY,
  finalJobStatus,
  isFinalJobStatus,
  jobStatusesBefore,
  RETRYABLE_REPOSITORY_STATUSES,
  type RepositoryStatus,
} from '../../common/status';
import { currentTaskRevision } from '../../common/tasks';
import { createDocumentClient, type DynamoOptions } from './dynamo';
import { JobsTable, jobItemBytes, MAX_JOB_ITEM_BYTES } from './jobs';
import { NAME_LIST_CHUNK, NameLists } from './nameLists';
import { OperationsTable } from './operations';
import { forEachLimited } from './parallel';
import { RepositoriesTable, type RowUpdate } from './repositories';
import { countReviews, reviewStateOf } from './reviews';
import { resignedTask, sameTask, signTask } from './rowSignatures';
import { jobVerifies, type Signer, signJob } from './signing';
import type { TableNames } from './tables';

// Job lifecycle over both tables. DynamoDB-compatible local servers have no transactions, so every
// step is a single-item conditional write, and counters move with atomic ADD after the row write
// that justifies them. Whoever wins a row's conditional write is the only one to move its counters,
// which keeps concurrent cancels, completions and sweeps consistent.

/** The message a cancelled row's error carries. */
const CANCEL_MESSAGE = 'Cancelled by the user';

/** What a bulk move of rows did: the names moved, and those left as they were, with why. */
export interface RowMoves {
  moved: string[];
  skipped: { repositoryName: string; reason: string }[];
}

/** Row writes one job's bulk changes (cancel, sweep) keep in flight at once. */
const ROW_WRITE_CONCURRENCY = 16;

export type RetryOutcome =
  | { ok: true; job: Job }
  | {
      ok: false;
      code: 'NOT_FOUND' | 'JOB_ACTIVE' | 'NOTHING_TO_RETRY' | 'VALIDATION_FAILED' | 'UNVERIFIED_JOB' | 'UNVERIFIED_ROW';
      message: string;
    };

export type ContinueOutcome =
  | { ok: true; job: Job }
  | { ok: false; code: 'NOT_FOUND' | 'JOB_NOT_SAMPLED' | 'UNVERIFIED_JOB' | 'UNVERIFIED_ROW'; message: string };

export type CancelOutcome = { ok: true; job: Job } | { ok: false; code: 'NOT_FOUND' | 'JOB_FINAL'; job?: Job };

/** A job the store could not write. `cleanedUp`: everything written of it was deleted again. */
export class JobNotCreatedError extends Error {
  constructor(
    readonly jobId: string,
    cause: unknown,
    readonly cleanedUp: boolean,
  ) {
    super(`Job ${jobId} could not be stored: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'JobNotCreatedError';
  }
}

/** A job item that would be over MAX_JOB_ITEM_BYTES, whatever made it so: nothing was written. */
export class JobTooLargeError extends Error {
  constructor(readonly bytes: number) {
    super(
      `The job is too large to store (${Math.ceil(bytes / 1000)} KB of at most ` +
        `${MAX_JOB_ITEM_BYTES / 1000} KB): shorten the prompt, description or pull-request templates`,
    );
    this.name = 'JobTooLargeError';
  }
}

/** What `createJob` needs: the job but its run, its repositories (one row each), the run's names, the notes. */
export interface NewJob {
  job: Omit<Job, 'run' | 'signature'>;
  repositories: readonly string[];
  /** What runs first: the repositories, or the sample. */
  run: readonly string[];
  /** Notes by the job's spelling of each repository; each goes on its row. */
  notes?: Record<string, string>;
  /** The API's key: the job and each row's task are signed with it (absent: unsigned, and no worker runs them). */
  signer?: Signer;
}

/** A name list's shape in the job item, to size the item before the list is written. */
function nameListPlaceholder(size: number): NameList {
  const chunks = Math.ceil(size / NAME_LIST_CHUNK);
  return { id: '0'.repeat(16), size, digests: Array.from({ length: chunks }, () => '0'.repeat(64)) };
}

export interface StoreOptions extends DynamoOptions {
  tables: TableNames;
}

export class Store {
  readonly jobs: JobsTable;
  readonly repositories: RepositoriesTable;
  /** Name lists kept out of the job item: runs and publish runs. */
  readonly lists: NameLists;
  /** Bulk operations: their progress on the job item, their requests and results beside the rows. */
  readonly operations: OperationsTable;

  constructor(
    readonly doc: DynamoDBDocumentClient,
    readonly tables: TableNames,
  ) {
    this.jobs = new JobsTable(doc, tables.jobs);
    this.repositories = new RepositoriesTable(doc, tables.repositories);
    this.lists = new NameLists(doc, tables.repositories, this.repositories);
    this.operations = new OperationsTable(doc, tables.jobs, tables.repositories, this.repositories, this.lists);
  }

  static connect(options: StoreOptions): Store {
    return new Store(createDocumentClient(options), options.tables);
  }

  /**
   * Writes the rows and the run's name list (25 items a call, 8 calls at a time) first and the job last,
   * so a job is never visible without its rows. A create that fails removes what it wrote: rows
   * without their job are never listed, swept or run, so nothing else would. A job item that would
   * be over MAX_JOB_ITEM_BYTES is refused before anything is written (JobTooLargeError).
   */
  async createJob(spec: NewJob): Promise<Job> {
    const { repositories, signer } = spec;
    const draft = spec.job;
    const tooLarge = jobItemBytes({ ...draft, run: nameListPlaceholder(spec.run.length) } as Job);
    if (tooLarge > MAX_JOB_ITEM_BYTES) throw new JobTooLargeError(tooLarge);
    const sampled = draft.sample ? new Set(spec.run) : undefined;
    const rows: RepositoryResult[] = repositories.map((repositoryName) => ({
      jobId: draft.jobId,
      repositoryName,
      status: 'PENDING',
      attempt: 1,
      usage: emptyUsage(),
      taskRevision: 1,
      // The rows go with their job (DynamoDB's TTL, or the local stack's retention sweep).
      ...(draft.expiresAt !== undefined ? { expiresAt: draft.expiresAt } : {}),
      ...(sampled?.has(repositoryName) ? { sampled: true } : {}),
      ...(spec.notes?.[repositoryName] !== undefined ? { note: spec.notes[repositoryName] } : {}),
    }));
    if (signer) for (const row of rows) row.taskSignature = signTask(signer, row);
    try {
      // The rows and the run's list in the same batches; the job after both.
      const { list: run, items } = this.lists.prepare(draft.jobId, spec.run, draft.expiresAt);
      await this.repositories.putAll(rows, items);
      // Signed as the store will read it back (schema defaults applied), or it would never verify.
      // Every row went with its status index key: `?status=` reads this job through the index.
      const job = Job.parse({ ...draft, run, statusIndex: true });
      if (signer) job.signature = signJob(signer, job);
      await this.jobs.put(job);
      return job;
    } catch (error) {
      throw new JobNotCreatedError(draft.jobId, error, await this.undoCreate(draft.jobId, repositories));
    }
  }

  /** Deletes whatever a failed create wrote; false when some of it may remain. */
  private async undoCreate(jobId: string, repositories: readonly string[]): Promise<boolean> {
    try {
      // A job write that timed out may have landed all the same (its retry then fails its
      // condition); the id is fresh, so the item can only be this create's.
      await this.jobs.delete(jobId);
      await this.repositories.deleteAll(jobId, repositories);
      await this.lists.deleteAll(jobId);
      return true;
    } catch {
      return false;
    }
  }

  /** The names of the job's current run, `start` to `end` (exclusive). */
  runNames(job: Job, start = 0, end = job.run.size): Promise<string[]> {
    return this.lists.slice(job.jobId, job.run, start, end);
  }

  /**
   * Moves one row, then its job's counters, then the job to its final status if this was its last
   * unfinished repository. Undefined when the row's condition failed.
   */
  async transitionRepository(
    jobId: string,
    repositoryName: string,
    change: RowUpdate,
  ): Promise<{ before: RepositoryResult; job: Job } | undefined> {
    const before = await this.repositories.update(jobId, repositoryName, change);
    if (!before) return undefined;
    let job =
      before.status === change.to
        ? await this.mustGetJob(jobId)
        : await this.jobs.moveCount(jobId, before.status, change.to);
    job = await this.finalizeIfDone(job);
    return { before, job };
  }

  /**
   * Moves many rows of one job, 16 at a time, then their counters in one write, then the job to its
   * final status if they were its last unfinished ones. Returns the rows that moved, as they were
   * before. A crash between the row writes and the counter write leaves counters that the
   * sweeper's reconcile puts right.
   */
  async transitionRepositories(
    jobId: string,
    changes: readonly { repositoryName: string; change: RowUpdate }[],
  ): Promise<{ moved: RepositoryResult[]; job: Job }> {
    const moved: RepositoryResult[] = [];
    const moves: { from: RepositoryStatus; to: RepositoryStatus }[] = [];
    await forEachLimited(changes, ROW_WRITE_CONCURRENCY, async ({ repositoryName, change }) => {
      const before = await this.repositories.update(jobId, repositoryName, change);
      if (!before) return;
      moved.push(before);
      if (before.status !== change.to) moves.push({ from: before.status, to: change.to });
    });
    const job = moves.length ? await this.jobs.addCounts(jobId, moves) : await this.mustGetJob(jobId);
    return { moved, job: await this.finalizeIfDone(job) };
  }

  /**
   * Claims a row for a worker (at `attempt`, or at the row's own when undefined); also marks a
   * PENDING job RUNNING. Returns the row as claimed.
   */
  async claim(
    jobId: string,
    repositoryName: string,
    attempt: number | undefined,
    staleBefore: string,
  ): Promise<RepositoryResult | undefined> {
    const claimedAt = new Date().toISOString();
    const before = await this.repositories.claim(jobId, repositoryName, attempt, staleBefore, claimedAt);
    if (!before) return undefined;
    // The job's first claim also starts it; later claims see it RUNNING and skip that write.
    const job = before.status === 'PENDING' ? await this.jobs.moveCount(jobId, 'PENDING', 'RUNNING') : undefined;
    if (!job || job.status === 'PENDING')
      await this.jobs.setStatus(jobId, ['PENDING'], 'RUNNING', { set: { startedAt: claimedAt } });
    return { ...before, status: 'RUNNING', startedAt: claimedAt, heartbeatAt: claimedAt };
  }

  /**
   * Moves a job to its final status once nothing of it is pending or running, or to SAMPLED once
   * only the rows its sample holds back are pending.
   */
  async finalizeIfDone(job: Job): Promise<Job> {
    let current = job;
    for (let attempt = 0; attempt < 5; attempt++) {
      const held = heldBack(current);
      const target = finalJobStatus(current.status, current.counts, held);
      if (!target) return current;
      const sampled = target === 'SAMPLED';
      const moved = await this.jobs.setStatus(current.jobId, [current.status], target, {
        set: sampled ? {} : { finishedAt: new Date().toISOString() },
        ifIdleWithPending: sampled ? held : 0,
        ifSampling: sampled,
      });
      if (moved) return moved;
      current = await this.mustGetJob(current.jobId);
    }
    return current;
  }

  /** Marks a job CANCELLING. Cancelling an already cancelling job is fine; a final one is not. */
  async requestCancel(jobId: string, owner: string): Promise<CancelOutcome> {
    const job = await this.jobs.getOwned(jobId, owner);
    if (!job) return { ok: false, code: 'NOT_FOUND' };
    const moved = await this.jobs.setStatus(jobId, jobStatusesBefore('CANCELLING').concat('CANCELLING'), 'CANCELLING');
    if (moved) return { ok: true, job: moved };
    return { ok: false, code: 'JOB_FINAL', job: await this.jobs.get(jobId) };
  }

  /** Marks every unfinished row CANCELLED, then the job. Safe to run twice, or racing workers. */
  async cancelUnfinished(jobId: string, message = CANCEL_MESSAGE): Promise<Job> {
    const unfinished = await this.unfinishedRows(jobId);
    const moved = await this.cancelRows(jobId, unfinished, message);
    return this.settleCancel(jobId, unfinished.length - moved.length);
  }

  /** The names of the job's rows that are PENDING or RUNNING. */
  async unfinishedRows(jobId: string): Promise<string[]> {
    return (await this.repositories.listAll(jobId))
      .filter((row) => row.status === 'PENDING' || row.status === 'RUNNING')
      .map((row) => row.repositoryName);
  }

  /** Moves these rows, if still PENDING or RUNNING, to CANCELLED (and their counters). The names that moved. */
  async cancelRows(jobId: string, names: readonly string[], message = CANCEL_MESSAGE): Promise<string[]> {
    const change: RowUpdate = {
      from: ['PENDING', 'RUNNING'],
      to: 'CANCELLED',
      set: { finishedAt: new Date().toISOString(), error: { code: 'CANCELLED', message } },
    };
    const result = await this.transitionRepositories(
      jobId,
      names.map((repositoryName) => ({ repositoryName, change })),
    );
    return result.moved.map((row) => row.repositoryName);
  }

  /**
   * The end of a cancel: rows someone else moved first (a second cancel, a finishing worker) may not
   * have moved their counters yet; the job becomes final once they have. Waits a moment for that,
   * not forever: still not final then, whoever moved them died between a row and its counter (a
   * stack stopped mid-cancel, whose cancel the next stack takes over and finds every row moved),
   * and the counters are counted again from the rows, which are the truth.
   */
  async settleCancel(jobId: string, lost: number): Promise<Job> {
    let job = await this.finalizeIfDone(await this.mustGetJob(jobId));
    for (let wait = 0; lost > 0 && !isFinalJobStatus(job.status) && wait < 40; wait++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      job = await this.finalizeIfDone(await this.mustGetJob(jobId));
    }
    if (lost > 0 && !isFinalJobStatus(job.status)) job = await this.reconcile(jobId);
    return job;
  }

  /**
   * Retries a final job: its run becomes the failed and cancelled repositories (or the named ones),
   * which go back to PENDING at the next attempt. With `signer`, only a job whose signature verifies
   * is retried, the new run is signed in the same write, and each row's task is signed again at the
   * job's current task revision (refused, before anything is written, for a row whose task
   * signature does not verify: its note was written around the API). `beginRetry` and `retryRows`
   * in one call (the API runs them as an operation, which can go on after it answers).
   */
  async prepareRetry(jobId: string, owner: string, names?: string[], signer?: Signer): Promise<RetryOutcome> {
    const begun = await this.beginRetry(jobId, owner, names, signer);
    if (!begun.ok) return begun;
    const { skipped } = await this.retryRows(begun.job, await this.runNames(begun.job), signer);
    // A row that moved meanwhile (it cannot while the job is final, but counters must never lie).
    if (skipped.length) await this.reconcile(jobId);
    return { ok: true, job: await this.mustGetJob(jobId) };
  }

  /**
   * A retry's first step: the checks (every row's task signature too), the new run's name list, and
   * the job's conditional write to RUNNING with the counters its rows are about to have (of two
   * retries, one wins). `checked` is called once every check has passed, before anything is
   * written (a refused retry changes nothing); the attributes it answers go in the job's write (an
   * operation's next phase, which names the run's size). The rows move after, with `retryRows`.
   */
  async beginRetry(
    jobId: string,
    owner: string,
    names?: string[],
    signer?: Signer,
    checked: () => Promise<(run: NameList) => Record<string, unknown>> = async () => () => ({}),
  ): Promise<RetryOutcome> {
    const job = await this.jobs.getOwned(jobId, owner);
    if (!job) return { ok: false, code: 'NOT_FOUND', message: `No job ${jobId}` };
    const refused = retryRefusal(job, signer);
    if (refused) return refused;
    const rows = await this.repositories.listAll(jobId);
    const retryable = rows.filter((row) => RETRYABLE_REPOSITORY_STATUSES.includes(row.status));
    let run: string[];
    if (names) {
      const byName = new Map(rows.map((row) => [row.repositoryName.toLowerCase(), row]));
      const unknown = names.filter((name) => !byName.has(name.toLowerCase()));
      if (unknown.length) {
        return { ok: false, code: 'VALIDATION_FAILED', message: `Not part of job ${jobId}: ${someOf(unknown)}` };
      }
      const notRetryable = names.filter(
        (name) => !RETRYABLE_REPOSITORY_STATUSES.includes(byName.get(name.toLowerCase())!.status),
      );
      if (notRetryable.length) {
        return {
          ok: false,
          code: 'NOTHING_TO_RETRY',
          message: `Only failed or cancelled repositories can be retried; not: ${someOf(notRetryable)}`,
        };
      }
      run = [...new Set(names.map((name) => byName.get(name.toLowerCase())!.repositoryName))];
    } else {
      run = retryable.map((row) => row.repositoryName);
    }
    if (run.length === 0)
      return { ok: false, code: 'NOTHING_TO_RETRY', message: `Job ${jobId} has no failed or cancelled repositories` };
    const taskRevision = currentTaskRevision(job);
    const byName = new Map(rows.map((row) => [row.repositoryName, row]));
    // A retried round runs again as that round (its next attempt's): its task is signed for it.
    const tasks = signTasks(
      signer,
      run.map((name) => byName.get(name)!),
      taskRevision,
      (row) => carriedRound(row),
    );
    if (!tasks.ok) return tasks;
    const alsoSet = await checked();
    // The rows move after, in `retryRows` (each task signed again as it is read then).
    return this.startRunOf(job, rows, run, undefined, signer, 'retrying', alsoSet);
  }

  /**
   * Starts follow-up rounds on a final job: its run becomes these rows, each at its next attempt
   * with its round (`followUp`), the pull request and what it holds kept. Conditional, as a retry.
   */
  async prepareFollowUp(
    job: Job,
    rounds: readonly { row: RepositoryResult; followUp: Omit<FollowUp, 'attempt'> }[],
    signer?: Signer,
  ): Promise<RetryOutcome> {
    if (!isFinalJobStatus(job.status))
      return {
        ok: false,
        code: 'JOB_ACTIVE',
        message: `Job ${job.jobId} is ${job.status}; follow up once it has finished`,
      };
    // A round signs the new run and each row's task with its round: a planted job or note is refused, never laundered.
    if (signer && !jobVerifies(signer, job)) return unverified(job.jobId);
    const rows = await this.repositories.listAll(job.jobId);
    const asked = new Map(
      rounds.map(({ row, followUp }) => [row.repositoryName, { ...followUp, attempt: row.attempt + 1 } as FollowUp]),
    );
    const taskRevision = currentTaskRevision(job);
    const current = new Map(rows.map((row) => [row.repositoryName, row]));
    const tasks = signTasks(
      signer,
      rounds.map(({ row }) => current.get(row.repositoryName) ?? row),
      taskRevision,
      (row) => asked.get(row.repositoryName),
    );
    if (!tasks.ok) return tasks;
    return this.startRunOf(
      job,
      rows,
      rounds.map(({ row }) => row.repositoryName),
      (row) => {
        const change = nextAttempt(row, taskRevision, tasks.signatures.get(row.repositoryName));
        change.set = { ...change.set, followUp: asked.get(row.repositoryName) };
        return change;
      },
      signer,
      'starting its follow-up',
    );
  }

  /**
   * A final job runs again: its run becomes `run` (names of `rows`), each moved by `change`. The
   * job's own conditional write is the lock: of two concurrent starts, one wins. It carries the
   * counters of the rows as they are about to be, so the job is never RUNNING with nothing pending
   * (a sweep in between would finish it again and strand its rows PENDING). The previous run's
   * executor reference goes: it has ended, and nothing may judge the new run by it.
   */
  private async startRunOf(
    job: Job,
    rows: readonly RepositoryResult[],
    run: readonly string[],
    /** How each row moves; absent, none moves here (an operation moves them after: `retryRows`). */
    change: ((row: RepositoryResult) => RowUpdate) | undefined,
    signer: Signer | undefined,
    doing: string,
    /** Attributes that go in the job's write (an operation's next phase, which names the run's size). */
    alsoSet: (run: NameList) => Record<string, unknown> = () => ({}),
  ): Promise<RetryOutcome> {
    const jobId = job.jobId;
    const runNames = new Set(run);
    const counts = countRows(rows.map((row) => (runNames.has(row.repositoryName) ? 'PENDING' : row.status)));
    const list = await this.lists.write(jobId, run, job.expiresAt);
    // A retry of a cancelled sample runs what it names, the held-back rows too: the sample is over.
    const set: Record<string, unknown> = { run: list, counts, reviewCounts: reviewCountsAfter(rows, runNames) };
    if (isSampling(job)) set.sample = { ...job.sample, continuedAt: new Date().toISOString() };
    if (signer) set.signature = signJob(signer, { ...job, ...set } as Job);
    const started = await this.jobs.setStatus(jobId, [job.status], 'RUNNING', {
      set: { ...set, ...alsoSet(list) },
      remove: ['finishedAt', 'executorRef', 'shardSize'],
    });
    if (!started) {
      await this.lists.deleteList(jobId, list).catch(() => undefined);
      return { ok: false, code: 'JOB_ACTIVE', message: `Job ${jobId} changed while ${doing}; refresh and try again` };
    }
    // The previous run has ended: nothing reads its list again.
    await this.lists.deleteList(jobId, job.run).catch(() => undefined);
    if (!change) return { ok: true, job: started };
    const byName = new Map(rows.map((row) => [row.repositoryName, row]));
    let missed = 0;
    await forEachLimited(run, ROW_WRITE_CONCURRENCY, async (repositoryName) => {
      const moved = await this.repositories.update(jobId, repositoryName, change(byName.get(repositoryName)!));
      if (!moved) missed++;
    });
    // A row that moved meanwhile (it cannot while the job is final, but counters must never lie).
    if (missed) await this.reconcile(jobId);
    return { ok: true, job: await this.mustGetJob(jobId) };
  }

  /**
   * A retry's rows, each back to PENDING at its next attempt if it is still failed or cancelled
   * (a second pass over the same names moves none twice), its task (and a retried follow-up round)
   * signed again as the row is read now (a row whose task no longer verifies stays). The names
   * moved, and those left with why.
   */
  async retryRows(job: Job, names: readonly string[], signer?: Signer): Promise<RowMoves> {
    const taskRevision = currentTaskRevision(job);
    return this.moveRows(job.jobId, names, (row) => {
      if (!RETRYABLE_REPOSITORY_STATUSES.includes(row.status)) return `it is ${row.status}`;
      const task = taskSignatureAt(signer, row, taskRevision, carriedRound(row));
      return task.ok ? nextAttempt(row, taskRevision, task.signature) : task.reason;
    });
  }

  /** Reads the rows and moves each by `change` (a sentence instead: it stays, with that reason). */
  private async moveRows(
    jobId: string,
    names: readonly string[],
    change: (row: RepositoryResult) => RowUpdate | string,
  ): Promise<RowMoves> {
    const rows = new Map((await this.repositories.getMany(jobId, names)).map((row) => [row.repositoryName, row]));
    const moved: string[] = [];
    const skipped: { repositoryName: string; reason: string }[] = [];
    await forEachLimited(names, ROW_WRITE_CONCURRENCY, async (repositoryName) => {
      const row = rows.get(repositoryName);
      const update = row ? change(row) : 'it is not part of the job';
      if (typeof update === 'string') skipped.push({ repositoryName, reason: update });
      else if (await this.repositories.update(jobId, repositoryName, update)) moved.push(repositoryName);
      else skipped.push({ repositoryName, reason: 'it moved meanwhile' });
    });
    return { moved, skipped };
  }

  /**
   * Runs the rest of a SAMPLED job: its run becomes the rows its sample held back. With a task
   * revision, the sampled repositories join the run at their next attempt, and every row of the run
   * runs that revision; without one, the sampled repositories keep their results. `beginContinue`
   * and `continueRows` in one call.
   */
  async continueSample(
    jobId: string,
    owner: string,
    revision?: TaskRevision,
    signer?: Signer,
  ): Promise<ContinueOutcome> {
    const begun = await this.beginContinue(jobId, owner, revision, signer);
    if (!begun.ok) return begun;
    if (revision) {
      const { skipped } = await this.continueRows(begun.job, revision, await this.runNames(begun.job), signer);
      if (skipped.length) await this.reconcile(jobId);
    }
    return { ok: true, job: await this.finalizeIfDone(await this.mustGetJob(jobId)) };
  }

  /**
   * A continue's first step: the checks, the run's list and the job's conditional write to RUNNING
   * (with `checked`, as beginRetry). With a revision the rows move after, with `continueRows`.
   */
  async beginContinue(
    jobId: string,
    owner: string,
    revision?: TaskRevision,
    signer?: Signer,
    checked: () => Promise<(run: NameList) => Record<string, unknown>> = async () => () => ({}),
  ): Promise<ContinueOutcome> {
    const job = await this.jobs.getOwned(jobId, owner);
    if (!job) return { ok: false, code: 'NOT_FOUND', message: `No job ${jobId}` };
    // As a retry: continuing signs the new run and task, so it must not launder a planted job.
    if (signer && !jobVerifies(signer, job)) return unverified(jobId);
    if (job.status !== 'SAMPLED')
      return {
        ok: false,
        code: 'JOB_NOT_SAMPLED',
        message: `Job ${jobId} is ${job.status}; only a SAMPLED job can be continued`,
      };
    const rows = await this.repositories.listAll(jobId);
    const waiting = rows.filter((row) => row.status === 'PENDING');
    const rerun = revision ? rows.filter((row) => row.status !== 'PENDING') : [];
    const run = [...rerun, ...waiting].map((row) => row.repositoryName);
    const tasks = revision ? signTasks(signer, [...rerun, ...waiting], revision.revision) : undefined;
    if (tasks && !tasks.ok) return tasks;
    const alsoSet = await checked();
    const runNames = new Set(run);
    const counts = countRows(rows.map((row) => (runNames.has(row.repositoryName) ? 'PENDING' : row.status)));
    const list = await this.lists.write(jobId, run, job.expiresAt);
    // As in a retry, the job's conditional write is the lock, and it carries the counters the rows
    // are about to have.
    const set: Record<string, unknown> = {
      run: list,
      counts,
      sample: { ...job.sample, continuedAt: new Date().toISOString() },
      // A revised task runs the sample again: its reviews go with its diffs.
      reviewCounts: reviewCountsAfter(rows, new Set(rerun.map((row) => row.repositoryName))),
    };
    if (revision) set.taskRevisions = [...(job.taskRevisions ?? []), revision];
    if (signer) set.signature = signJob(signer, { ...job, ...set } as Job);
    const started = await this.jobs.setStatus(jobId, ['SAMPLED'], 'RUNNING', {
      set: { ...set, ...alsoSet(list) },
      remove: ['finishedAt', 'executorRef', 'shardSize'],
    });
    if (!started) {
      await this.lists.deleteList(jobId, list).catch(() => undefined);
      return {
        ok: false,
        code: 'JOB_NOT_SAMPLED',
        message: `Job ${jobId} changed while continuing (continued or cancelled meanwhile); refresh and try again`,
      };
    }
    await this.lists.deleteList(jobId, job.run).catch(() => undefined);
    return { ok: true, job: started };
  }

  /**
   * A revised continue's rows: the waiting ones take the revision, the sample's run again at their
   * next attempt, each task signed again at the revision (as in `retryRows`). A row at the revision
   * already was moved by an earlier pass.
   */
  async continueRows(job: Job, revision: TaskRevision, names: readonly string[], signer?: Signer): Promise<RowMoves> {
    return this.moveRows(job.jobId, names, (row) => {
      if (row.taskRevision === revision.revision) return 'it runs this revision already';
      const task = taskSignatureAt(signer, row, revision.revision);
      if (!task.ok) return task.reason;
      if (row.status !== 'PENDING') return nextAttempt(row, revision.revision, task.signature);
      const taskSignature = task.signature ? { taskSignature: task.signature } : {};
      return {
        from: ['PENDING'],
        to: 'PENDING',
        attempt: row.attempt,
        set: { taskRevision: revision.revision, ...taskSignature },
      };
    });
  }

  /**
   * Deletes a final job: its item first, conditional on its status (a retry that started meanwhile
   * wins, and nothing is deleted), then its rows and its artifacts. False when the job moved.
   */
  async deleteJob(job: Job, artifacts: { deletePrefix(prefix: string): Promise<void> }): Promise<boolean> {
    if (!isFinalJobStatus(job.status)) return false;
    const rows = await this.repositories.listAll(job.jobId);
    if (!(await this.jobs.deleteIfStatus(job.jobId, job.status))) return false;
    await this.repositories.deleteAll(
      job.jobId,
      rows.map((row) => row.repositoryName),
    );
    await this.lists.deleteAll(job.jobId);
    await this.operations.deleteAll(job.jobId);
    await artifacts.deletePrefix(`jobs/${job.jobId}/`);
    return true;
  }

  async addUsage(jobId: string, repositoryName: string, delta: Usage): Promise<void> {
    await this.repositories.addUsage(jobId, repositoryName, delta);
    await this.jobs.addUsage(jobId, delta);
  }

  /**
   * Recounts a job's rows and fixes its counters if a crash left them off (a row moved but its
   * count did not), then finalizes it if it is done. Returns the job as it now is.
   */
  async reconcile(jobId: string): Promise<Job> {
    const job = await this.mustGetJob(jobId);
    const counts = countRows((await this.repositories.listAll(jobId)).map((row) => row.status));
    const differs = (Object.keys(counts) as (keyof Counts)[]).some((key) => counts[key] !== job.counts[key]);
    if (differs) await this.jobs.setCounts(jobId, counts);
    return this.finalizeIfDone(differs ? { ...job, counts } : job);
  }

  private async mustGetJob(jobId: string): Promise<Job> {
    const job = await this.jobs.get(jobId);
    if (!job) throw new Error(`Job ${jobId} disappeared`);
    return job;
  }
}

/**
 * A finished row back to PENDING at its next attempt, running `taskRevision`; how the attempt
 * ended joins its `previousAttempts`, and its artifacts stay under that attempt's keys.
 */
function nextAttempt(row: RepositoryResult, taskRevision: number, taskSignature?: string): RowUpdate {
  const round = row.followUp?.attempt === row.attempt ? row.followUp : undefined;
  const previous: PreviousAttempt = {
    attempt: row.attempt,
    taskRevision: row.taskRevision ?? 1,
    status: row.status,
    finishedAt: row.finishedAt,
    diffStats: row.diffStats,
    summary: row.summary,
    pullRequestUrl: row.pullRequestUrl,
    error: row.error,
    ...(round ? { followUpRound: { round: round.round, reason: round.reason } } : {}),
  };
  const set: Record<string, unknown> = {
    taskRevision,
    previousAttempts: [...(row.previousAttempts ?? []), previous],
    ...(taskSignature ? { taskSignature } : {}),
  };
  // A retry of a follow-up round runs the round again (the same round: it counts once), from the
  // pull request's head as it is then; what the worker found the last time goes.
  const carried = carriedRound(row);
  if (carried) set.followUp = carried;
  return {
    from: [row.status],
    to: 'PENDING',
    attempt: row.attempt,
    incrementAttempt: true,
    set,
    // The review, the publication, the base, the patch revision, the fingerprint and the digest
    // were of this attempt's diff, which the next one replaces. What it pushed stays: the branch
    // still holds it, and the next push may replace it.
    remove: [
      'error',
      'startedAt',
      'heartbeatAt',
      'finishedAt',
      'diffStats',
      'summary',
      'verification',
      'review',
      'publication',
      'base',
      'patchRevision',
      'patchRevisions',
      'fingerprint',
      'diffDigest',
      'resultSeal',
    ],
  };
}

/**
 * Each row's task signed again at `taskRevision`, before anything is written; refused when a row's
 * present signature does not verify (its note was written around the API). A row already at that
 * revision keeps its signature (the worker checks it), so a retry of 10,000 signs nothing. Without
 * a signer, none.
 */
function signTasks(
  signer: Signer | undefined,
  rows: readonly RepositoryResult[],
  taskRevision: number,
  /** The round each row's next attempt runs, when it is one (a new round, or a retried one). */
  roundOf: (row: RepositoryResult) => FollowUp | undefined = () => undefined,
): { ok: true; signatures: Map<string, string> } | { ok: false; code: 'UNVERIFIED_ROW'; message: string } {
  const signatures = new Map<string, string>();
  if (!signer) return { ok: true, signatures };
  const refused: string[] = [];
  for (const row of rows) {
    const round = roundOf(row);
    const next = { ...row, taskRevision, ...(round ? { followUp: round } : {}) };
    if (sameTask(row, next)) continue;
    const signature = resignedTask(signer, row, next);
    if (signature) signatures.set(row.repositoryName, signature);
    else refused.push(row.repositoryName);
  }
  if (refused.length === 0) return { ok: true, signatures };
  return {
    ok: false,
    code: 'UNVERIFIED_ROW',
    message:
      `The task of ${someOf(refused)} carries no valid signature of the API (its note, task ` +
      `revision or round was written around it), so it is not run again; create the job again`,
  };
}

/**
 * A row's task signature for its next attempt at `taskRevision` (with `round`, a follow-up round),
 * as the row is read now: none to set without a signer or when the task stays the same; a reason to
 * leave the row when its task does not verify.
 */
function taskSignatureAt(
  signer: Signer | undefined,
  row: RepositoryResult,
  taskRevision: number,
  round?: FollowUp,
): { ok: true; signature?: string } | { ok: false; reason: string } {
  const next = { ...row, taskRevision, ...(round ? { followUp: round } : {}) };
  if (!signer || sameTask(row, next)) return { ok: true };
  const signature = resignedTask(signer, row, next);
  return signature
    ? { ok: true, signature }
    : { ok: false, reason: 'its task carries no valid signature of the API (written around it)' };
}

/** A current follow-up round as its retry runs it: the same round at the next attempt, without what the worker found. */
function carriedRound(row: RepositoryResult): FollowUp | undefined {
  const round = row.followUp?.attempt === row.attempt ? row.followUp : undefined;
  if (!round) return undefined;
  const { head: _head, mergedBase: _mergedBase, triggerSummary: _summary, costUsd: _cost, ...asked } = round;
  return { ...asked, attempt: row.attempt + 1 };
}

/** The review counters once the rows in `rerun` start a new attempt (their reviews go). */
function reviewCountsAfter(rows: readonly RepositoryResult[], rerun: ReadonlySet<string>) {
  return countReviews(rows.map((row) => (rerun.has(row.repositoryName) ? 'unreviewed' : reviewStateOf(row))));
}

/** A job's counters for rows in these statuses. */
function countRows(statuses: RepositoryStatus[]): Counts {
  const counts: Counts = { total: 0, pending: 0, running: 0, completed: 0, noChanges: 0, failed: 0, cancelled: 0 };
  for (const status of statuses) {
    counts.total++;
    counts[COUNT_KEY[status]]++;
  }
  return counts;
}

/** The first few names of a list, for a message that must stay readable however long the list. */
function someOf(names: string[], shown = 10): string {
  return names.length <= shown
    ? names.join(', ')
    : `${names.slice(0, shown).join(', ')} and ${names.length - shown} more`;
}

/**
 * Why the job item alone says a retry may not begin (its status, its signature; with `byCounters`,
 * counters with nothing failed or cancelled), or undefined: what a large retry's request checks
 * before it answers, its rows read after (by `beginRetry`, which checks them and each row's task).
 */
export function retryRefusal(job: Job, signer?: Signer, byCounters = false): RetryOutcome | undefined {
  const jobId = job.jobId;
  if (!isFinalJobStatus(job.status))
    return { ok: false, code: 'JOB_ACTIVE', message: `Job ${jobId} is ${job.status}; retry it once it has finished` };
  // A retry signs the new run: it must not launder a job that was written into the table directly.
  if (signer && !jobVerifies(signer, job)) return unverified(jobId);
  if (byCounters && job.counts.failed + job.counts.cancelled === 0)
    return { ok: false, code: 'NOTHING_TO_RETRY', message: `Job ${jobId} has no failed or cancelled repositories` };
  return undefined;
}

function unverified(jobId: string) {
  return {
    ok: false as const,
    code: 'UNVERIFIED_JOB' as const,
    message: `Job ${jobId} does not carry the API's signature of what it runs (written or changed around the API), so it cannot be run; create it again`,
  };
}
