import { BatchClient } from '@aws-sdk/client-batch';
import { ENV } from '../../common/names';
import { BatchRunInspector } from '../executor/batchRuns';
import { refreshAll } from './pullRequestRefresh';
import { codeHostWithSecretToken } from './secretToken';
import type { CodeHost } from '../hosts';
import { Store } from '../store/store';
import { sweep, type SweepReport } from '../store/sweeper';
import { tableNamesFromEnvironment } from '../store/tables';
import { invokeOperation } from './lambdaOperations';
import { sourceMappedError } from './sourceMappedStack';

// The sweeper on AWS: a Lambda the infra schedules every few minutes. The store's sweep, with AWS
// Batch telling which workers ended without running their repository.

/** Workers beat every 10 s; a row silent for 10 minutes has lost its worker. */
const DEFAULT_STALE_AFTER_MS = 10 * 60_000;

let store: Store | undefined;
let inspector: BatchRunInspector | undefined;
let host: Promise<CodeHost> | undefined;

export async function handler(): Promise<SweepReport> {
  try {
    return await sweepOnce();
  } catch (error) {
    // Lambda logs what the handler throws: in the sources' terms.
    throw sourceMappedError(error);
  }
}

async function sweepOnce(): Promise<SweepReport> {
  const env = process.env;
  store ??= Store.connect({ tables: tableNamesFromEnvironment(env), endpoint: env[ENV.dynamodbEndpoint] });
  inspector ??= new BatchRunInspector(new BatchClient({}));
  const staleAfterMs = Number(env[ENV.staleAfterMs]) || DEFAULT_STALE_AFTER_MS;
  const batch = inspector;
  const tables = store;
  const report = await sweep(store, {
    staleAfterMs,
    neverStarted: (job) => batch.neverStarted(job, () => tables.runNames(job)),
  });
  // Then the pull requests of jobs that have open ones: states, checks, reviews, a burndown point.
  host ??= codeHostWithSecretToken(env).catch((error: unknown) => {
    host = undefined;
    throw error;
  });
  const refresh = await refreshAll(store, await host);
  report.errors.push(...refresh.errors.map(({ jobId, message }) => ({ jobId, message: `pull requests: ${message}` })));
  // Bulk operations whose runner stopped (its lease ran out) go on in the API function, which can do their work.
  const orphans = await store.operations.orphaned();
  const operationsFunction = env[ENV.operationsFunction];
  for (const { jobId, operationId } of orphans) {
    if (!operationsFunction) {
      report.errors.push({ jobId, message: `operation ${operationId}: ${ENV.operationsFunction} is not set` });
      continue;
    }
    await invokeOperation(operationsFunction, jobId, operationId, env).catch((error: unknown) =>
      report.errors.push({ jobId, message: `operation ${operationId}: ${(error as Error).message}` }),
    );
  }
  console.log(
    JSON.stringify({
      sweep: {
        jobs: report.jobs,
        lost: report.lost.length,
        neverStarted: report.neverStarted.length,
        cancelled: report.cancelled.length,
        finished: report.finished.length,
        pullRequestJobs: refresh.jobs,
        operationsResumed: orphans.length,
        errors: report.errors,
      },
    }),
  );
  // Jobs it could not sweep fail the invocation, so the sweeper-errors alarm sees them.
  if (report.errors.length)
    throw new Error(
      `The sweep skipped ${report.errors.length} jobs: ${report.errors.map((error) => `${error.jobId}: ${error.message}`).join('; ')}`,
    );
  return report;
}
