import type { Store } from './store';

// No job stays unfinished forever: RUNNING rows whose worker stopped beating (a lost host, a killed
// container) fail with WORKER_LOST, counters are reconciled with the rows, and jobs with nothing
// pending or running get their final status. Locally it runs at start and every minute; on AWS a
// scheduled Lambda runs it.

export interface SweepOptions {
  staleAfterMs: number;
  now?: number;
}

export interface SweepReport {
  jobs: number;
  lost: { jobId: string; repositoryName: string }[];
  finished: string[];
}

export async function sweep(store: Store, options: SweepOptions): Promise<SweepReport> {
  const now = options.now ?? Date.now();
  const staleBefore = new Date(now - options.staleAfterMs).toISOString();
  const report: SweepReport = { jobs: 0, lost: [], finished: [] };
  for (const job of await store.jobs.scanActive()) {
    report.jobs++;
    for (const row of await store.repositories.listAll(job.jobId)) {
      if (row.status !== 'RUNNING') continue;
      const lastSign = row.heartbeatAt ?? row.startedAt;
      if (lastSign !== undefined && lastSign >= staleBefore) continue;
      const moved = await store.transitionRepository(job.jobId, row.repositoryName, {
        from: ['RUNNING'],
        to: 'FAILED',
        attempt: row.attempt,
        // A beat that lands between our read and this write keeps the row alive.
        heartbeatBefore: staleBefore,
        set: {
          finishedAt: new Date(now).toISOString(),
          error: { code: 'WORKER_LOST', message: `The worker stopped reporting (last heartbeat ${lastSign ?? 'never'}); retry to run it again` },
        },
      });
      if (moved) report.lost.push({ jobId: job.jobId, repositoryName: row.repositoryName });
    }
    const after = await store.reconcile(job.jobId);
    if (after.status !== job.status && after.finishedAt) report.finished.push(job.jobId);
  }
  return report;
}
