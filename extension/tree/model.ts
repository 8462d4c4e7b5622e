import type { ListOptions, Page } from '../../common/client';
import type { Job, RepositoryResult } from '../../common/schemas';
import { ACTIVE_JOB_STATUSES, isFinalJobStatus, type JobStatus, type RepositoryStatus } from '../../common/status';
import { type VerificationSummary, verificationSummary } from '../../common/repositoryStates';

// The Jobs tree's data, built from the API's pages: the caller's jobs newest first, more pages on
// demand, and each expanded job's repositories. A refresh re-reads the first page, the active jobs
// beyond it, and the repositories of jobs that changed, and reports the jobs that stopped since the
// last look: finished, or SAMPLED and waiting for the user (for notifications). Jobs with a verify
// command have their rows read, so that a failed verification is counted, never shown as success.
// At 10,000 repositories a job is 100 pages: reading them all stops at `maxRepositoryPages` (the rest
// loads on demand), a large job's verification is read once it has finished, not at every change
// while it runs (in the background: the refresh does not wait for it), and a state's rows can be read on their own (`loadRepositoriesInState`, the API's
// `?status=`), so a view of one state reads only what it shows. No vscode here.

export type JobsSource = {
  listJobs(options?: ListOptions): Promise<Page<Job>>;
  getJob(jobId: string): Promise<Job>;
  listRepositories(
    jobId: string,
    options?: ListOptions & { status?: RepositoryStatus },
  ): Promise<Page<RepositoryResult>>;
};

export interface RepositoryList {
  items: RepositoryResult[];
  nextToken: string | undefined;
  /** The job's `updatedAt` when the list was read; a newer one means it is stale. */
  readAt: string;
  /** The refresh during which it was read: the tree's redraw after that refresh reuses it. */
  refresh: number;
}

/** A job that moved from an active status to a final one, or to SAMPLED, between two refreshes. */
export interface FinishedJob {
  job: Job;
  previous: JobStatus;
  /** Its rows' verification, when it has a verify command. */
  verification?: VerificationSummary;
}

export interface JobsModelOptions {
  pageSize?: number;
  repositoryPageSize?: number;
  /** Read every page of an expanded job's repositories (the grouped tree counts them all)… */
  allRepositories?: () => boolean;
  /** …up to this many pages (default 10: 1,000 rows); the rest loads on demand. */
  maxRepositoryPages?: number;
  /**
   * Above this many rows (default two pages) the grouped tree draws a job's state groups from the
   * job item's counts and pages each group's rows (`?status=`) when it is opened, never reading all.
   */
  pagedAboveRows?: number;
  /** The most pages one read of a state's rows goes through looking for a page's worth (default 5). */
  maxScanPages?: number;
  /** Called when a read the refresh did not wait for is in (a large job's verification): redraw. */
  onBackgroundRead?: () => void;
}

/** Jobs whose rows can carry a failed verification: those with a verify command, now or in a revision. */
export function hasVerifyCommand(job: Job): boolean {
  return job.verifyCommand !== undefined || (job.taskRevisions ?? []).some((task) => task.verifyCommand !== undefined);
}

export class JobsModel {
  private byId = new Map<string, Job>();
  private order: string[] = [];
  private nextToken: string | undefined;
  private loaded = false;
  private refreshes = 0;
  private readonly repositoryLists = new Map<string, RepositoryList>();
  private readonly verifications = new Map<string, { readAt: string; summary: VerificationSummary }>();
  private readonly pageSize: number;
  private readonly repositoryPageSize: number;
  private readonly allRepositories: () => boolean;
  private readonly maxRepositoryPages: number;
  private readonly stateLists = new Map<string, RepositoryList>();
  private readonly pagedAboveRows: number;
  private readonly onBackgroundRead: () => void;
  private readonly maxScanPages: number;
  private readonly verificationReads = new Set<string>();

  constructor(
    private readonly source: JobsSource,
    options: JobsModelOptions = {},
  ) {
    this.pageSize = options.pageSize ?? 25;
    this.repositoryPageSize = options.repositoryPageSize ?? 100;
    this.allRepositories = options.allRepositories ?? (() => false);
    this.maxRepositoryPages = options.maxRepositoryPages ?? 10;
    this.pagedAboveRows = options.pagedAboveRows ?? 2 * this.repositoryPageSize;
    this.onBackgroundRead = options.onBackgroundRead ?? (() => {});
    this.maxScanPages = options.maxScanPages ?? 5;
  }

  /** Whether the grouped tree shows this job as counted groups whose rows are paged by state. */
  isPaged(job: Job): boolean {
    return job.counts.total > this.pagedAboveRows;
  }

  /**
   * The rows of one state as the tree shows them: those read already while still fresh (a finished
   * job's since its last change, or any read by the latest refresh), else read again, as many pages
   * as were shown. Load more with `loadRepositoriesInState(…, true)`.
   */
  async repositoriesInState(jobId: string, status: RepositoryStatus): Promise<RepositoryList> {
    const existing = this.stateLists.get(`${jobId}\n${status}`);
    if (existing && this.isFresh(existing, jobId)) return existing;
    return this.loadRepositoriesInState(jobId, status, false, existing?.items.length ?? 0);
  }

  /** A list read since its job last changed, and, while the job runs, by the latest refresh. */
  private isFresh(list: RepositoryList, jobId: string): boolean {
    const job = this.byId.get(jobId);
    return (
      job !== undefined &&
      list.readAt === job.updatedAt &&
      (isFinalJobStatus(job.status) || list.refresh === this.refreshes)
    );
  }

  /** A job too large to read whole at every change: more rows than the pages read at most. */
  private isLarge(job: Job): boolean {
    return job.counts.total > this.maxRepositoryPages * this.repositoryPageSize;
  }

  /**
   * The job's rows in one state, a page at a time (`more`: the next page after those read): what a
   * view of that state shows, and nothing else. Filtered pages can be short or empty, so it reads on
   * until it has a page's worth, the rows end, or it has gone through `maxScanPages`.
   */
  async loadRepositoriesInState(
    jobId: string,
    status: RepositoryStatus,
    more = false,
    atLeast = 0,
  ): Promise<RepositoryList> {
    const key = `${jobId}\n${status}`;
    const previous = more ? this.stateLists.get(key) : undefined;
    if (more && !previous?.nextToken) return previous ?? this.loadRepositoriesInState(jobId, status);
    const items: RepositoryResult[] = previous ? [...previous.items] : [];
    let nextToken = previous?.nextToken;
    const wanted = Math.max(items.length + this.repositoryPageSize, atLeast);
    // The API filters each page by status, so a rare state is mostly empty pages: stop after a few
    // (the rest is "Load more…"), never scanning a 10,000-row job in one go.
    const maxPages = this.maxScanPages + Math.ceil(atLeast / this.repositoryPageSize);
    let pages = 0;
    do {
      const page = await this.source.listRepositories(jobId, { limit: this.repositoryPageSize, nextToken, status });
      items.push(...page.items);
      nextToken = page.nextToken;
      pages++;
    } while (nextToken && items.length < wanted && pages < maxPages);
    const list = { items, nextToken, readAt: this.byId.get(jobId)?.updatedAt ?? '', refresh: this.refreshes };
    this.stateLists.set(key, list);
    return list;
  }

  get isLoaded(): boolean {
    return this.loaded;
  }

  jobs(): Job[] {
    return this.order.map((id) => this.byId.get(id)!);
  }

  job(jobId: string): Job | undefined {
    return this.byId.get(jobId);
  }

  hasMoreJobs(): boolean {
    return this.nextToken !== undefined;
  }

  /** Jobs with work under way; a SAMPLED job waits for its user, so it is not one of them. */
  activeJobs(): Job[] {
    return this.jobs().filter((job) => ACTIVE_JOB_STATUSES.includes(job.status));
  }

  /** What a job's rows say about verification, once read (jobs with a verify command only). */
  verification(jobId: string): VerificationSummary | undefined {
    return this.verifications.get(jobId)?.summary;
  }

  repositories(jobId: string): RepositoryList | undefined {
    return this.repositoryLists.get(jobId);
  }

  clear(): void {
    this.byId.clear();
    this.order = [];
    this.nextToken = undefined;
    this.loaded = false;
    this.repositoryLists.clear();
    this.stateLists.clear();
    this.verifications.clear();
  }

  /**
   * Re-reads the first page, every active job not on it, and stale repository lists. Returns the
   * jobs that finished since the previous refresh (none on the first one).
   */
  async refresh(): Promise<FinishedJob[]> {
    const previous = new Map([...this.byId].map(([id, job]) => [id, job.status]));
    const firstLoad = !this.loaded;
    this.refreshes++;
    const page = await this.source.listJobs({ limit: this.pageSize });
    const onFirstPage = new Set(page.items.map((job) => job.jobId));
    const beyond = this.jobs().filter((job) => !onFirstPage.has(job.jobId));
    const refreshedBeyond = await Promise.all(
      beyond.map((job) => (isFinalJobStatus(job.status) ? job : this.source.getJob(job.jobId).catch(() => job))),
    );
    if (firstLoad) this.nextToken = page.nextToken;
    this.merge([...page.items, ...refreshedBeyond]);
    this.loaded = true;

    await Promise.all(
      [...this.repositoryLists.entries()].map(async ([jobId, list]) => {
        const job = this.byId.get(jobId);
        if (job && (job.updatedAt !== list.readAt || !isFinalJobStatus(job.status)))
          await this.reloadRepositories(jobId, list.items.length);
      }),
    );

    await this.readVerifications();

    if (firstLoad) return [];
    return this.jobs()
      .filter((job) => {
        const before = previous.get(job.jobId);
        return (
          before !== undefined && ACTIVE_JOB_STATUSES.includes(before) && !ACTIVE_JOB_STATUSES.includes(job.status)
        );
      })
      .map((job) => ({ job, previous: previous.get(job.jobId)!, verification: this.verification(job.jobId) }));
  }

  /**
   * Reads the rows of jobs with a verify command that changed since their rows were last counted. A
   * large job's (more than `maxRepositoryPages`) are read in the background, never holding up the
   * refresh and so the tree's paint: `onBackgroundRead` says when they are in.
   */
  private async readVerifications(): Promise<void> {
    const due = this.jobs()
      .filter((job) => hasVerifyCommand(job) && job.counts.total > job.counts.pending + job.counts.running)
      // A large job's rows are read once it has finished, not at every change while it runs.
      .filter((job) => !this.isLarge(job) || isFinalJobStatus(job.status))
      .filter((job) => this.verifications.get(job.jobId)?.readAt !== job.updatedAt);
    for (const job of due.filter((each) => this.isLarge(each) && !this.verificationReads.has(each.jobId))) {
      this.verificationReads.add(job.jobId);
      void this.readVerification(job)
        .then(
          () => this.onBackgroundRead(),
          () => undefined,
        )
        .finally(() => this.verificationReads.delete(job.jobId));
    }
    await Promise.all(due.filter((job) => !this.isLarge(job)).map((job) => this.readVerification(job)));
  }

  private async readVerification(job: Job): Promise<void> {
    const list = this.repositoryLists.get(job.jobId);
    const rows = list && !list.nextToken && list.readAt === job.updatedAt ? list.items : await this.readAll(job.jobId);
    this.verifications.set(job.jobId, { readAt: job.updatedAt, summary: verificationSummary(rows) });
  }

  private async readAll(jobId: string): Promise<RepositoryResult[]> {
    const items: RepositoryResult[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.source.listRepositories(jobId, { limit: this.repositoryPageSize, nextToken });
      items.push(...page.items);
      nextToken = page.nextToken;
    } while (nextToken);
    return items;
  }

  async loadMoreJobs(): Promise<void> {
    if (!this.nextToken) return;
    const page = await this.source.listJobs({ limit: this.pageSize, nextToken: this.nextToken });
    this.nextToken = page.nextToken;
    this.merge(page.items);
  }

  /** Adds or replaces one job (after create, cancel or retry), keeping newest first. */
  upsert(job: Job): void {
    this.merge([job]);
  }

  /**
   * The first page of a job's repositories, unless already read and still fresh: a finished job's
   * list read since its last change, or any list read by the latest refresh (as fresh as its job).
   */
  async loadRepositories(jobId: string): Promise<RepositoryList> {
    const existing = this.repositoryLists.get(jobId);
    if (existing && this.isFresh(existing, jobId)) return existing;
    return this.reloadRepositories(jobId, existing?.items.length ?? 0);
  }

  /** Drops a deleted job. */
  remove(jobId: string): void {
    this.byId.delete(jobId);
    this.order = this.order.filter((id) => id !== jobId);
    this.forgetRepositories(jobId);
    this.verifications.delete(jobId);
  }

  /** Forgets a job's repository rows (after an action changed them): the next look reads them again. */
  forgetRepositories(jobId: string): void {
    this.repositoryLists.delete(jobId);
    for (const key of [...this.stateLists.keys()]) if (key.startsWith(`${jobId}\n`)) this.stateLists.delete(key);
  }

  async loadMoreRepositories(jobId: string): Promise<void> {
    const list = this.repositoryLists.get(jobId);
    if (!list?.nextToken) return;
    const page = await this.source.listRepositories(jobId, {
      limit: this.repositoryPageSize,
      nextToken: list.nextToken,
    });
    const known = new Set(list.items.map((item) => item.repositoryName));
    list.items.push(...page.items.filter((item) => !known.has(item.repositoryName)));
    list.nextToken = page.nextToken;
  }

  /** Re-reads at least `atLeast` repositories (as many as were shown), page by page. */
  private async reloadRepositories(jobId: string, atLeast: number): Promise<RepositoryList> {
    const readAt = this.byId.get(jobId)?.updatedAt ?? '';
    const items: RepositoryResult[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await this.source.listRepositories(jobId, { limit: this.repositoryPageSize, nextToken });
      items.push(...page.items);
      nextToken = page.nextToken;
      pages++;
    } while (nextToken && (items.length < atLeast || (this.allRepositories() && pages < this.maxRepositoryPages)));
    const list = { items, nextToken, readAt, refresh: this.refreshes };
    this.repositoryLists.set(jobId, list);
    if (!nextToken && readAt) this.verifications.set(jobId, { readAt, summary: verificationSummary(items) });
    return list;
  }

  private merge(jobs: readonly Job[]): void {
    for (const job of jobs) this.byId.set(job.jobId, job);
    this.order = [...this.byId.values()]
      .sort((a, b) =>
        a.createdAt === b.createdAt ? b.jobId.localeCompare(a.jobId) : b.createdAt.localeCompare(a.createdAt),
      )
      .map((job) => job.jobId);
  }
}
