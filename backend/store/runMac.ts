import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Job } from '../../common/schemas';

// A job's run MAC: HMAC-SHA256, keyed with a secret only the local stack holds, over the job's
// identity and everything that decides what its workers run. The local stack's API writes it on
// the job item when it creates a job and when a retry changes its run; the local executor starts
// nothing whose MAC does not verify, so a row written straight into the table never runs. On AWS
// IAM guards the table and the API submits to Batch itself: jobs there carry none.

export interface RunMac {
  /** The MAC of the job's current run, for its `runMac`. */
  sign(job: Job): string;
  /** True when the job carries the MAC of its current run (compared in constant time). */
  verifies(job: Job): boolean;
}

/** A change to what is signed must make old MACs fail, not match. */
const SCHEME = 'cody-batch-run-mac-v2';

/**
 * What moves while a job runs, and so is not signed: its status, counters (run, review and
 * pull-request counts, the burndown), usage, timestamps, the executor's reference and the MAC itself. Everything else (identity, the change, its task
 * revisions, the repositories and the run, every option a worker reads, and any field added later)
 * is signed, so a new field that decides what runs is covered without anyone remembering to.
 */
const UNSIGNED: ReadonlySet<string> = new Set([
  'status',
  'counts',
  'usage',
  'updatedAt',
  'startedAt',
  'finishedAt',
  'executorRef',
  'shardSize',
  'runMac',
  // What reviews and the pull-request refresh count, as rows move.
  'reviewCounts',
  'pullRequestCounts',
  'pullRequestsRefreshedAt',
  'burndown',
  // The latest bulk operation's progress (a retry's own run is signed in its job write).
  'operation',
]);

export function runMacWithKey(key: Buffer): RunMac {
  if (key.length < 32) throw new Error('A run MAC key must hold at least 32 bytes');
  const sign = (job: Job) => createHmac('sha256', key).update(signedFields(job)).digest('base64url');
  return {
    sign,
    verifies(job) {
      if (typeof job.runMac !== 'string') return false;
      const expected = Buffer.from(sign(job));
      const given = Buffer.from(job.runMac);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}

function signedFields(job: Job): string {
  const signed = Object.fromEntries(Object.entries(job).filter(([key]) => !UNSIGNED.has(key)));
  return `${SCHEME}\n${canonicalJson(signed)}`;
}

/** JSON with object keys sorted at every depth, so the same job always signs the same bytes. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
