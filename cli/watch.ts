import { parseArgs } from 'node:util';
import type { CodyBatchClient } from '../common/client';
import type { Job, RepositoryResult } from '../common/schemas';
import { isFinalJobStatus, isFinalRepositoryStatus } from '../common/status';
import { formatCost } from '../common/format';
import { diffStatsText, jobDescription } from '../common/statusText';
import { connect, type Connection, usageError } from './connect';
import { printJson, say, sayError, statusLine } from './terminal';

// `cody-batch watch <jobId>`: a job's progress until it ends. On a terminal, one status line that
// rewrites itself; everywhere, a line per repository as it finishes and a summary. The exit code
// says whether everything succeeded, so scripts and CI can chain on it.

export const WATCH_USAGE = `Usage: cody-batch watch <jobId> [--interval <seconds>] [--json]
  --json: one JSON object per line and event: {"event":"job",…} when the job's status or counts move,
  {"event":"repository","repository":{…}} as each repository finishes, {"event":"end","job":{…},"exitCode":n}`;
const DEFAULT_INTERVAL_MS = 1_000;

export async function watch(args: string[], connection: Connection): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { interval: { type: 'string' }, json: { type: 'boolean' } },
      allowPositionals: true,
    });
  } catch (error) {
    return usageError(error, WATCH_USAGE);
  }
  const [jobId, ...extra] = parsed.positionals;
  const seconds = parsed.values.interval === undefined ? DEFAULT_INTERVAL_MS / 1000 : Number(parsed.values.interval);
  if (!jobId || extra.length || !(seconds >= 0.2 && seconds <= 3600))
    return usageError(new Error('give one job id, and an --interval from 0.2 to 3600 seconds'), WATCH_USAGE);
  return watchJob(await connect(connection), jobId, { intervalMs: seconds * 1000, json: parsed.values.json });
}

export interface WatchOptions {
  intervalMs?: number;
  /** One JSON object per line and event, instead of text. */
  json?: boolean;
}

/**
 * Follows a job to its end. 0: COMPLETED with no failure and no failed verification; 1: anything
 * else; 130: stopped by Ctrl-C.
 */
export async function watchJob(client: CodyBatchClient, jobId: string, options: WatchOptions = {}): Promise<number> {
  const json = options.json === true;
  const emit = (event: Record<string, unknown>) => printJson(event);
  const status = statusLine(!json);
  const reported = new Set<string>();
  // Changed, but its verification still failed (a Claude job may end so): not a success for CI.
  const unverified = new Set<string>();
  let lastSeen = '';
  let stop: (() => void) | undefined;
  let interrupted = false;
  const onInterrupt = () => {
    interrupted = true;
    stop?.();
  };
  process.on('SIGINT', onInterrupt);
  try {
    for (;;) {
      const job = await client.getJob(jobId);
      // Rows are fetched only when the counters moved: a 1,000-repository job costs ten requests
      // per change, not per second.
      const seen = `${job.status} ${JSON.stringify(job.counts)}`;
      if (seen !== lastSeen) {
        lastSeen = seen;
        if (json) emit({ event: 'job', jobId: job.jobId, status: job.status, counts: job.counts, usage: job.usage });
        // Streamed: each page's finished rows print as it arrives, not once all 10,000 are read.
        for await (const page of client.repositoryPages(jobId)) {
          if (interrupted) break;
          const width = Math.min(40, Math.max(0, ...page.map((row) => row.repositoryName.length)));
          for (const row of page) {
            const key = `${row.repositoryName.toLowerCase()}#${row.attempt}`;
            if (!isFinalRepositoryStatus(row.status) || reported.has(key)) continue;
            reported.add(key);
            if (row.status === 'COMPLETED' && row.verification?.passed === false)
              unverified.add(row.repositoryName.toLowerCase());
            else unverified.delete(row.repositoryName.toLowerCase());
            status.clear();
            if (json) emit({ event: 'repository', repository: row });
            else say(repositoryLine(row, width));
          }
        }
      }
      // SAMPLED is where a sample stops for its user: watching ends there too.
      if (isFinalJobStatus(job.status) || job.status === 'SAMPLED') {
        status.clear();
        const exitCode = watchExitCode(job, unverified.size);
        if (json) emit({ event: 'end', job, exitCode });
        else say(job.status === 'SAMPLED' ? sampledSummary(job, unverified.size) : summary(job, unverified.size));
        return exitCode;
      }
      // Ctrl-C may have come while a poll was on the wire: stop now, not after one more interval.
      if (!interrupted) status.show(`${job.status.toLowerCase()} · ${jobDescription(job)}`);
      if (!interrupted)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, options.intervalMs ?? DEFAULT_INTERVAL_MS);
          stop = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      if (interrupted) {
        status.clear();
        sayError(
          `Stopped watching. Job ${jobId} keeps running; resume with: cody-batch watch ${jobId}  (stop it with: cody-batch cancel ${jobId})`,
        );
        return 130;
      }
    }
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

/** 0 when the job COMPLETED, or stopped SAMPLED, with nothing failed, cancelled or failing verification. */
export function watchExitCode(job: Job, unverified = 0): number {
  if (job.status === 'SAMPLED')
    return job.counts.failed === 0 && job.counts.cancelled === 0 && unverified === 0 ? 0 : 1;
  return job.status === 'COMPLETED' && job.counts.failed === 0 && unverified === 0 ? 0 : 1;
}

/** `COMPLETED   acme/billing   2 files +4 −4`, `FAILED   acme/api   CLONE_FAILED: …`. */
function repositoryLine(row: RepositoryResult, width: number): string {
  const parts = [row.status.padEnd(10), row.repositoryName.padEnd(width)];
  if (row.status === 'COMPLETED' && row.diffStats)
    parts.push(`${row.diffStats.files} file${row.diffStats.files === 1 ? '' : 's'} ${diffStatsText(row.diffStats)}`);
  if (row.error && row.error.code !== 'CANCELLED')
    parts.push(`${row.error.code}: ${row.error.message.split('\n')[0]!.slice(0, 200)}`);
  if (row.verification && !row.verification.passed && row.status !== 'FAILED') parts.push('verification failed');
  if (row.attempt > 1) parts.push(`(attempt ${row.attempt})`);
  if (row.pullRequestUrl) parts.push(row.pullRequestUrl);
  return parts.join('  ').trimEnd();
}

function summary(job: Job, unverified: number): string {
  const { counts } = job;
  const lines = [
    `\nJob ${job.jobId} ${job.status}: ${counts.completed} ` +
      `changed${unverified ? ` (${unverified} failing verification)` : ''}, ` +
      `${counts.noChanges} without changes, ${counts.failed} failed, ${counts.cancelled} ` +
      `cancelled, of ${counts.total} · ${formatCost(job.usage.costUsd)}`,
  ];
  if (counts.completed > 0)
    lines.push(
      `Review a patch: cody-batch diff ${job.jobId} <owner/name>   Apply it here: cody-batch apply ${job.jobId} <owner/name>`,
    );
  if (counts.failed + counts.cancelled > 0)
    lines.push(`Run the failed and cancelled ones again: cody-batch retry ${job.jobId}`);
  return lines.join('\n');
}

/** Where a sample stopped, and how to run the rest. */
function sampledSummary(job: Job, unverified: number): string {
  const { counts } = job;
  const sampled = counts.total - counts.pending;
  return [
    `\nJob ${job.jobId} SAMPLED: ${sampled} of ${counts.total} repositories sampled: ` +
      `${counts.completed} ` +
      `changed${unverified ? ` (${unverified} failing verification)` : ''}, ` +
      `${counts.noChanges} without changes, ${counts.failed} failed, ${counts.cancelled} ` +
      `cancelled · ${formatCost(job.usage.costUsd)}`,
    `Review them (cody-batch diff ${job.jobId} <owner/name>), then run the other ${counts.pending}: cody-batch continue ${job.jobId}`,
    `To revise the task first (the sample runs again with it): cody-batch continue ${job.jobId} --prompt-file <path> | --command <shell> | --verify <cmd>`,
  ].join('\n');
}
