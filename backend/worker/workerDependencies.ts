import type { ArtifactStore } from '../store/artifacts';
import type { Store } from '../store/store';
import type { ChangeMaker } from './changeMaker';
import type { WorkerConfig } from './config';
import type { Liveness } from './liveness';
import type { RunContext } from './runContext';
import type { JobGuards } from './sandboxPolicy';

// What a worker run is given and how it ends: shared by the change run (worker.ts) and the publish
// run (publishRun.ts), which worker.ts picks between.

export interface WorkerDependencies {
  config: WorkerConfig;
  store: Store;
  artifacts: ArtifactStore;
  /** The worker's own environment (secrets included: the redactor and Claude's client need them). */
  env: NodeJS.ProcessEnv;
  print(line: string): void;
  /** Builds Claude's change maker; absent where the agent is not bundled (tests of command jobs). */
  claude?: (context: RunContext) => Promise<ChangeMaker>;
  /** Learns the run's liveness, so a SIGTERM can stop it. */
  onLiveness?(liveness: Liveness): void;
  /** True once the worker should take no further repository of its shard (a SIGTERM). */
  stopRequested?(): boolean;
  /** Hears of each row the worker claims: the local pool fails only that one if the worker dies. */
  onClaimed?(repositoryName: string, attempt: number): void;
  /** The sandbox kept across the shards of one job this process runs (./nextShard.ts); absent: one per shard. */
  guards?: JobGuards;
}

/** `recorded`: the row got its outcome. `skipped`: nothing to do. `released`: the row is someone else's now. */
export type WorkerExit = 'recorded' | 'skipped' | 'released';
