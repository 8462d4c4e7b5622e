import { statusWord } from '../common/statusText';
import { connect, type Connection } from './connect';

/** `cody-batch cancel <jobId>`: stops a job's running repositories and drops its waiting ones. */
export async function cancel(args: string[], connection: Connection): Promise<number> {
  const [jobId, ...extra] = args;
  if (!jobId || extra.length) {
    console.error('Usage: cody-batch cancel <jobId>');
    return 2;
  }
  const job = await (await connect(connection)).cancelJob(jobId);
  console.log(`Job ${job.jobId} is ${statusWord(job.status)}. Follow it with: cody-batch watch ${job.jobId}`);
  return 0;
}
