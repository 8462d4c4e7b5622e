import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ContinueRequest, describeIssues } from '../common/schemas';
import { revisesTask } from '../common/tasks';
import { afterOperation } from '../common/operationProgress';
import { stderrLine } from './terminal';
import { connect, type Connection, usageError } from './connect';
import { watchJob } from './watch';
import { printJson, say } from './terminal';

// `cody-batch continue <jobId>`: runs the rest of a SAMPLED job, optionally with a revised task
// (then the sampled repositories run again with it, as a new attempt), and watches it to its end.

const CONTINUE_USAGE = `Usage: cody-batch continue <jobId> [--prompt-file <path> | --prompt <text>] [--command <shell>] [--verify <cmd>] [--detach] [--json]
  With none of these, the rest of the job runs with its task as it is. With any, the task is revised
  (the rest kept as it was) and the sampled repositories run again with it, their first results kept.`;

export async function continueJob(args: string[], connection: Connection): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        prompt: { type: 'string' },
        'prompt-file': { type: 'string' },
        command: { type: 'string' },
        verify: { type: 'string' },
        detach: { type: 'boolean' },
        json: { type: 'boolean' },
      },
    });
  } catch (error) {
    return usageError(error, CONTINUE_USAGE);
  }
  const { values, positionals } = parsed;
  const [jobId, ...extra] = positionals;
  if (!jobId || extra.length) return usageError(new Error('give one job id'), CONTINUE_USAGE);
  if (values.prompt !== undefined && values['prompt-file'] !== undefined)
    return usageError(new Error('give --prompt or --prompt-file, not both'), CONTINUE_USAGE);
  let prompt = values.prompt;
  if (values['prompt-file'] !== undefined) {
    try {
      prompt = await readFile(values['prompt-file'], 'utf8');
    } catch (error) {
      return usageError(
        new Error(`cannot read ${values['prompt-file']}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`),
        CONTINUE_USAGE,
      );
    }
  }
  const request = ContinueRequest.safeParse({ prompt, command: values.command, verifyCommand: values.verify });
  if (!request.success) return usageError(new Error(describeIssues(request.error)), CONTINUE_USAGE);

  const client = await connect(connection);
  const job = await afterOperation(
    client,
    await client.continueJob(jobId, request.data),
    values.json ? undefined : stderrLine,
  );
  const revision = job.taskRevisions?.at(-1)?.revision;
  if (values.json) {
    if (values.detach) {
      printJson(job);
      return 0;
    }
    return watchJob(client, job.jobId, { json: true });
  }
  say(
    revisesTask(request.data)
      ? `Continuing job ${job.jobId} with task revision ${revision}: ${job.run.size} ` +
          `repositories, the sample again among them. Ctrl-C stops watching, not the job.\n`
      : `Continuing job ${job.jobId}: the other ${job.run.size} ${job.run.size === 1 ? 'repository' : 'repositories'}. Ctrl-C stops watching, not the job.\n`,
  );
  if (values.detach) {
    say(`Follow it with: cody-batch watch ${job.jobId}`);
    return 0;
  }
  return watchJob(client, job.jobId);
}
