import type { Job, RepositoryResult } from '../../common/schemas';

// The rows of the job a diff panel reviews, read once and again only when the job has changed
// since (its updatedAt), so stepping through 40 repositories reads the list once, not 40 times.
// A review the panel itself made replaces its row at once. No vscode.

export interface RowSource {
  allRepositories(jobId: string): Promise<RepositoryResult[]>;
}

export class ReviewRows {
  private cached: { jobId: string; readAt: string; rows: RepositoryResult[] } | undefined;

  constructor(private readonly source: RowSource) {}

  async rows(job: Pick<Job, 'jobId' | 'updatedAt'>): Promise<RepositoryResult[]> {
    if (this.cached?.jobId !== job.jobId || this.cached.readAt !== job.updatedAt)
      this.cached = { jobId: job.jobId, readAt: job.updatedAt, rows: await this.source.allRepositories(job.jobId) };
    return this.cached.rows;
  }

  /** A row as the API just answered it (a review, a fresh read). */
  remember(row: RepositoryResult): void {
    if (this.cached?.jobId !== row.jobId) return;
    this.cached.rows = this.cached.rows.map((old) => (old.repositoryName === row.repositoryName ? row : old));
  }
}
