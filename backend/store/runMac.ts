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

/** Names the fields and their order below: a change to either must make old MACs fail, not match. */
const SCHEME = 'cody-batch-run-mac-v1';

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

/**
 * The job's identity (id, owner, creation) and what runs: the change (prompt or command), its
 * verification, the repositories and the current run, and every option the worker reads. Not its
 * status, counters, usage or timestamps, which move while it runs.
 */
function signedFields(job: Job): string {
  return JSON.stringify([
    SCHEME,
    job.jobId,
    job.owner,
    job.createdAt,
    job.name,
    job.description,
    job.type ?? null,
    job.prompt ?? null,
    job.command ?? null,
    job.verifyCommand ?? null,
    job.repositories,
    job.run,
    job.createPullRequests,
    job.draftPullRequests,
    job.baseBranch ?? null,
    job.model,
    job.maxCostUsd ?? null,
    // Added only when set, so jobs made before these options keep their MACs.
    ...(job.allowCommands || job.setupCommand !== undefined || job.repositoryInstructions
      ? [
          {
            allowCommands: job.allowCommands ?? false,
            setupCommand: job.setupCommand ?? null,
            repositoryInstructions: job.repositoryInstructions ?? null,
          },
        ]
      : []),
  ]);
}
