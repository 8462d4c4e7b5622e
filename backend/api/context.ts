import type { CodeHost } from '../hosts';
import type { ArtifactStore } from '../store/artifacts';
import type { RunMac } from '../store/runMac';
import type { Store } from '../store/store';
import type { Executor } from '../executor/executor';
import type { ErrorLog } from './middleware/errors';
import type { BackgroundOperations } from './operations';

export type AppEnv = { Variables: { owner: string } };

export interface ApiLimits {
  maxRepositories: number;
  maxBodyBytes: number;
  /**
   * Artifacts (diff, thread, log) larger than this are answered with a redirect to a presigned URL,
   * where the store can make one. The Lambda adapter sets it from Lambda's response limit.
   */
  maxInlineArtifactBytes: number;
  /**
   * How long a bulk request runs its operation before it answers (CODY_BATCH_OPERATION_MOMENT_MS,
   * default 1,500): done by then, the answer is the result; else 202 with the operation, which goes on.
   */
  operationMomentMs: number;
}

export interface ApiDependencies {
  store: Store;
  artifacts: ArtifactStore;
  executor: Executor;
  /** The code host repository queries are resolved on, with the server's token; none refuses queries. */
  codeHost?: CodeHost;
  version: string;
  limits?: Partial<ApiLimits>;
  log?: ErrorLog;
  /** The local stack's: every job created or retried gets the MAC its executor checks before running it. */
  runMac?: RunMac;
  /** CODY_BATCH_RETENTION_DAYS: jobs expire this many days after creation; undefined keeps them. */
  retentionDays?: number;
  /** Where a bulk operation goes on after its request answered (the sweeper Lambda); absent: in this process. */
  background?: BackgroundOperations;
}
