import type { ListOptions, Page } from '../../common/client';
import type { Job, RepositoryResult } from '../../common/schemas';
import { isFinalJobStatus, type JobStatus } from '../../common/status';

// The Jobs tree's data, built from the API's pages: the caller's jobs newest first, more pages on
// demand, and each expanded job's repositories. A refresh re-reads the first page, the active jobs
// beyond it, and the repositories of jobs that changed, and reports the jobs that finished since
// the last look (for notifications). No vscode here.

export type JobsSource = {
  listJobs(options?: ListOptions): Promise<Page<Job>>;
  getJob(jobId: string): Promise<Job>;
  listRepositories(jobId: string, options?: ListOptions): Promise<Page<RepositoryResult>>;
};

export interface RepositoryList {
  items: RepositoryResult[];
  nextToken: string | undefined;
  /** The job's `updatedAt` when the list was read; a newer one means it is stale. */
  readAt: string;
  /** The refresh during which it was read: the tree's redraw after that refresh reuses it. */
  refresh: number;
}

/** A job that moved from an active status to a final one between two refreshes. */
export interface FinishedJob {
  job: Job;
  previous: JobStatus;
}

export interface JobsModelOptions {
  pageSize?: number;
  repositoryPageSize?: number;
}

export class JobsModel {
  private byId = new Map<string, Job>();
  private order: string[] = [];
  private nextToken: string | undefined;
  private loaded = false;
  private refreshes = 0;
  private readonly repositoryLists = new Map<string, RepositoryList>();
  private readonly pageSize: number;
  private readonly repositoryPageSize: number;

  constructor(
    private readonly source: JobsSource,
    options: JobsModelOptions = {},
  ) {
    this.pageSize = options.pageSize ?? 25;
    this.repositoryPageSize = options.repositoryPageSize ?? 100;
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

  activeJobs(): Job[] {
    return this.jobs().filter((job) => !isFinalJobStatus(job.status));
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

    if (firstLoad) return [];
    return this.jobs()
      .filter((job) => {
        const before = previous.get(job.jobId);
        return before !== undefined && !isFinalJobStatus(before) && isFinalJobStatus(job.status);
      })
      .map((job) => ({ job, previous: previous.get(job.jobId)! }));
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
    const job = this.byId.get(jobId);
    if (
      existing &&
      job &&
      existing.readAt === job.updatedAt &&
      (isFinalJobStatus(job.status) || existing.refresh === this.refreshes)
    )
      return existing;
    return this.reloadRepositories(jobId, existing?.items.length ?? 0);
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
    do {
      const page = await this.source.listRepositories(jobId, { limit: this.repositoryPageSize, nextToken });
      items.push(...page.items);
      nextToken = page.nextToken;
    } while (nextToken && items.length < atLeast);
    const list = { items, nextToken, readAt, refresh: this.refreshes };
    this.repositoryLists.set(jobId, list);
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
