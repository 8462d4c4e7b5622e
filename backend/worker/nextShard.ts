// The local pool's worker processes take their job's next shard instead of exiting
// (backend/executor/local.ts): a process costs about half a second to start (Node, the bundle, the
// sandbox's checks, probe and bridges), a tiny repository about 20 ms of real work. When its shard
// is done, a worker started with CODY_BATCH_NEXT_SHARD=ipc sends `shard-done` on its IPC channel
// and waits; the pool answers `shard` with the index of a further shard of the same job and run
// size, or `no-shard`, and the worker exits. A channel that closes (the stack went away) is a
// `no-shard`. AWS Batch runs one container per array child, with no channel: it never asks.

/** Worker → pool: its shard is done, and it can take another. */
export const SHARD_DONE = 'shard-done';
/** Pool → worker: run this shard of the same job next. */
export interface NextShardMessage {
  type: 'shard';
  index: number;
}
/** Pool → worker: nothing more for this process; exit. */
export const NO_SHARD = 'no-shard';

/**
 * Asks the pool for the next shard on this process's IPC channel: its index, or undefined when
 * there is none, the channel is gone, or `signal` aborts (a SIGTERM while waiting).
 */
export function askNextShard(signal: AbortSignal): Promise<number | undefined> {
  const send = process.send?.bind(process);
  if (!send || !process.connected || signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const done = (index: number | undefined) => {
      process.off('message', onMessage);
      process.off('disconnect', onGone);
      signal.removeEventListener('abort', onGone);
      resolve(index);
    };
    const onMessage = (message: unknown) => {
      const { type, index } = (message ?? {}) as { type?: unknown; index?: unknown };
      if (type === 'shard' && typeof index === 'number' && Number.isSafeInteger(index) && index >= 0) done(index);
      else if (type === NO_SHARD) done(undefined);
    };
    const onGone = () => done(undefined);
    process.on('message', onMessage);
    process.once('disconnect', onGone);
    signal.addEventListener('abort', onGone, { once: true });
    send({ type: SHARD_DONE }, (error: Error | null) => {
      if (error) done(undefined);
    });
  });
}
