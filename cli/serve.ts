import path from 'node:path';
import { ENV, jobsTableName } from '../common/names';
import { localExecutorFactory } from '../backend/executor/local';
import { stackOptionsFromEnvironment, startLocalStack, StackAlreadyRunningError } from '../backend/local/stack';

/** The worker bundle sits beside the CLI bundle in dist/. */
export const WORKER_SCRIPT = path.join(__dirname, 'worker.js');

/** `cody-batch serve`: runs the local stack until SIGINT or SIGTERM. */
export async function serve(version: string): Promise<number> {
  let stack;
  try {
    const log = (line: string) => console.error(line);
    stack = await startLocalStack({
      ...stackOptionsFromEnvironment(process.env, version),
      executor: localExecutorFactory(process.env, WORKER_SCRIPT, log),
      log,
    });
  } catch (error) {
    if (error instanceof StackAlreadyRunningError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
  console.log(`Cody Batch ${version}: local stack running (pid ${process.pid})

  API        ${stack.apiUrl}
  Token      ${stack.tokenPath}   (send "Authorization: Bearer <token>")
  DynamoDB   ${stack.dynamodbEndpoint}
  Artifacts  ${stack.artifactsRoot}

Try it:
  curl -H "Authorization: Bearer $(cat ${stack.tokenPath})" ${stack.apiUrl}/jobs
  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws dynamodb scan --region local --endpoint-url ${stack.dynamodbEndpoint} --table-name ${jobsTableName('local')}

In VS Code, run "Cody Batch: Connect to Local Stack" (it reads ${ENV.home}, default ~/.cody-batch).
Press Ctrl+C to stop.`);

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      console.log(`\n${signal}: stopping the local stack...`);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await stack.stop();
  console.log('Stopped.');
  return 0;
}
