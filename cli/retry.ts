import { describeIssues, RetryRequest } from '../common/schemas';
import { afterOperation } from '../common/operationProgress';
import { stderrLine } from './terminal';
import { connect, type Connection, usageError } from './connect';
import { printJson, say } from './terminal';

const RETRY_USAGE =
  'Usage: cody-batch retry <jobId> [owner/name ...] [--json]   (default: every failed and cancelled repository)';

/** `cody-batch retry <jobId> [owner/name…]`: runs failed and cancelled repositories (or those named) again. */
export async function retry(args: string[], connection: Connection): Promise<number> {
  const json = args.includes('--json');
  const [jobId, ...names] = args.filter((arg) => arg !== '--json');
  if (!jobId || jobId.startsWith('-')) return usageError(new Error('give a job id'), RETRY_USAGE);
  const request = RetryRequest.safeParse(names.length ? { repositories: names } : {});
  if (!request.success) return usageError(new Error(describeIssues(request.error)), RETRY_USAGE);
  const client = await connect(connection);
  const job = await afterOperation(
    client,
    await client.retryJob(jobId, request.data.repositories),
    json ? undefined : stderrLine,
  );
  if (json) {
    printJson(job);
    return 0;
  }
  // The job holds no names (its run is a list in the rows' table): name the ones asked for, if any.
  const named = names.length ? `: ${names.join(', ')}` : '';
  say(`Retrying ${job.run.size} ${job.run.size === 1 ? 'repository' : 'repositories'} of job ${job.jobId}${named}`);
  say(`Follow it with: cody-batch watch ${job.jobId}`);
  return 0;
}
