import { statusWord } from '../common/statusText';
import { connectToLocalStack } from './connect';

/** `cody-batch cancel <jobId>`: stops a job's running repositories and drops its waiting ones. */
export async function cancel(args: string[]): Promise<number> {
  const [jobId, ...extra] = args;
  if (!jobId || extra.length) {
    console.error('Usage: cody-batch cancel <jobId>');
    return 2;
  }
  const job = await (await connectToLocalStack(process.env)).cancelJob(jobId);
  console.log(`Job ${job.jobId} is ${statusWord(job.status)}. Follow it with: cody-batch watch ${job.jobId}`);
  return 0;
}
