import { statusWord } from '../common/statusText';
import { afterOperation } from '../common/operationProgress';
import { stderrLine } from './terminal';
import { connect, type Connection } from './connect';
import { printJson, say, sayError } from './terminal';

/** `cody-batch cancel <jobId>`: stops a job's running repositories and drops its waiting ones. */
export async function cancel(args: string[], connection: Connection): Promise<number> {
  const json = args.includes('--json');
  const [jobId, ...extra] = args.filter((arg) => arg !== '--json');
  if (!jobId || extra.length || jobId.startsWith('-')) {
    sayError('Usage: cody-batch cancel <jobId> [--json]');
    return 2;
  }
  const client = await connect(connection);
  const job = await afterOperation(client, await client.cancelJob(jobId), json ? undefined : stderrLine);
  if (json) {
    printJson(job);
    return 0;
  }
  say(`Job ${job.jobId} is ${statusWord(job.status)}. Follow it with: cody-batch watch ${job.jobId}`);
  return 0;
}
