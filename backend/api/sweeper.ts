import { ENV } from '../../common/names';
import { Store } from '../store/store';
import { sweep, type SweepReport } from '../store/sweeper';
import { tableNamesFromEnvironment } from '../store/tables';

// The sweeper on AWS: a Lambda the infra schedules every few minutes.

/** Workers beat every 10 s; a row silent for 10 minutes has lost its worker. */
const DEFAULT_STALE_AFTER_MS = 10 * 60_000;

let store: Store | undefined;

export async function handler(): Promise<SweepReport> {
  const env = process.env;
  store ??= Store.connect({ tables: tableNamesFromEnvironment(env), endpoint: env[ENV.dynamodbEndpoint] });
  const staleAfterMs = Number(env.CODY_BATCH_STALE_AFTER_MS) || DEFAULT_STALE_AFTER_MS;
  const report = await sweep(store, { staleAfterMs });
  console.log(JSON.stringify({ sweep: { jobs: report.jobs, lost: report.lost.length, finished: report.finished.length } }));
  return report;
}
