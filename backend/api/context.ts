import type { CodeHost } from '../hosts';
import type { ArtifactStore } from '../store/artifacts';
import type { ApiKeys } from '../store/signing';
import type { Store } from '../store/store';
import type { Executor } from '../executor/executor';
import type { ErrorLog } from './middleware/errors';

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
  /**
   * The API's signing key and the workers' seal key (backend/store/signing.ts): what it creates,
   * retries, continues, approves and publishes is signed, and what a worker recorded is checked
   * before anything is signed on top of it.
   */
  keys: ApiKeys;
  /** CODY_BATCH_RETENTION_DAYS: jobs expire this many days after creation; undefined keeps them. */
  retentionDays?: number;
  /** Where a bulk operation goes on after its request answered (the sweeper Lambda); absent: in this process. */
  background?: BackgroundOperations;
}

/**
 * Where a bulk operation (./operations.ts) goes on once its request has answered: on AWS, the API
 * function invoked again; absent, this process.
 */
export interface BackgroundOperations {
  /** Hands it on; resolved once it is handed (a Lambda must not answer before, or it freezes first). */
  continueOperation(jobId: string, operationId: string): Promise<void>;
}
