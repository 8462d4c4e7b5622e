import { ENV } from '../../common/names';

// How a run is cut into shards, one worker each (a local child process, an AWS Batch array child).
// Shard s of size k holds names s×k to s×k + k − 1 of the run: contiguous, so a worker reads one or
// two name-list chunks. Two shards per worker slot: a slot that drew slow repositories is helped by
// the others' second shards, and a worker's start (a Node process locally, a Fargate task and its
// image pull on AWS) is paid for many repositories. (Four per slot measured 70 ms of fixed wall time
// per tiny repository in `bench -- overhead`, two 43 ms: the starts dominate there. That was before
// a local worker went on to its job's next shard in the same process, backend/worker/nextShard.ts:
// locally a start is now paid once per slot and job, whatever the shard count.)

/** AWS Batch's largest array job. */
export const MAX_ARRAY_SIZE = 10_000;
/** The largest shard chosen by default: past this, a lost worker costs more than its start saves. */
export const DEFAULT_MAX_SHARD_SIZE = 50;
/** Shards per worker slot, when the run is large enough. */
const SHARDS_PER_SLOT = 2;

/**
 * Repositories per worker for a run of `runSize` on `slots` workers at once; `override` is
 * CODY_BATCH_SHARD_SIZE. Never fewer than the run needs to stay within MAX_ARRAY_SIZE shards.
 */
export function shardSizeFor(runSize: number, slots: number, override?: number): number {
  const floor = Math.max(1, Math.ceil(runSize / MAX_ARRAY_SIZE));
  const chosen =
    override ?? Math.min(DEFAULT_MAX_SHARD_SIZE, Math.ceil(runSize / (Math.max(1, slots) * SHARDS_PER_SLOT)));
  return Math.max(floor, chosen, 1);
}

/** How many shards a run of `runSize` has at `shardSize` each. */
export function shardCount(runSize: number, shardSize: number): number {
  return Math.ceil(runSize / shardSize);
}

/** The shard that holds the run's `index`-th name. */
export function shardOf(index: number, shardSize: number): number {
  return Math.floor(index / shardSize);
}

/** CODY_BATCH_SHARD_SIZE when set: a whole number from 1 to 10,000; undefined leaves the choice to the executor. */
export function shardSizeOverride(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env[ENV.shardSize];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > MAX_ARRAY_SIZE)
    throw new Error(`${ENV.shardSize} must be a whole number from 1 to ${MAX_ARRAY_SIZE}, not "${raw}"`);
  return value;
}
