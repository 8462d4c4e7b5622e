import { DYNAMODB_PROFILE } from '../common/localHome';
import { ENV, jobsTableName } from '../common/names';
import { sandboxNotice } from '../common/sandbox';
import {
  type LocalStack,
  StackAlreadyRunningError,
  stackOptionsFromEnvironment,
  startLocalStack,
} from '../backend/local/stack';
import { DYNAMO_SCRIPT, stackEnvironment, workerPool } from '../backend/local/workers';
import { printSandboxNotice } from './sandboxNotice';
import { waitForShutdownSignal } from './shutdown';
import { WEB_ROOT } from './webRoot';
import { webAppLink } from '../backend/local/webApp';
import { say, sayError } from './terminal';

/**
 * The local stack as the CLI runs it (`serve`, `demo`): its workers, the web app, DynamoDB. Undefined,
 * said on stderr, when this home runs one already. `workerLog`: what the workers say; `log`: the stack.
 */
export async function startCliStack(
  env: NodeJS.ProcessEnv,
  version: string,
  workerLog: (line: string) => void,
  log?: (line: string) => void,
): Promise<LocalStack | undefined> {
  try {
    return await startLocalStack({
      ...stackOptionsFromEnvironment(env, version),
      executor: workerPool(env, workerLog),
      dynamoScript: DYNAMO_SCRIPT,
      ...(log ? { log } : {}),
      webRoot: WEB_ROOT,
    });
  } catch (error) {
    if (!(error instanceof StackAlreadyRunningError)) throw error;
    sayError(error.message);
    return undefined;
  }
}

/** `cody-batch serve`: runs the local stack until SIGINT or SIGTERM. */
export async function serve(version: string): Promise<number> {
  const log = (line: string) => sayError(line);
  const stack = await startCliStack(stackEnvironment(log), version, log, log);
  if (!stack) return 1;
  const webAppLine = stack.webUrl
    ? `  Web app    ${webAppLink(stack.apiUrl, stack.token)}   (signs this browser tab in)\n`
    : '';
  const scanJobs = [
    `AWS_SHARED_CREDENTIALS_FILE=${stack.dynamodbCredentialsFile}`,
    `aws dynamodb scan --profile ${DYNAMODB_PROFILE} --region local`,
    `--endpoint-url ${stack.dynamodbEndpoint} --table-name ${jobsTableName('local')}`,
  ].join(' ');
  say(`Cody Batch ${version}: local stack running (pid ${process.pid})

  API        ${stack.apiUrl}
${webAppLine}  Token      ${stack.tokenPath}   (send "Authorization: Bearer <token>")
  DynamoDB   ${stack.dynamodbEndpoint}   (credentials in ${stack.dynamodbCredentialsFile}, profile ${DYNAMODB_PROFILE})
  Artifacts  ${stack.artifactsRoot}
${stack.sandbox && !sandboxNotice(stack.sandbox).warning ? `  Sandbox    ${stack.sandbox.message}\n` : ''}
Try it:
  curl -H "Authorization: Bearer $(cat ${stack.tokenPath})" ${stack.apiUrl}/jobs
  ${scanJobs}

In VS Code, run "Cody Batch: Connect to Local Stack" (it reads ${ENV.home}, default ~/.cody-batch).
Press Ctrl+C to stop.`);
  printSandboxNotice(stack.sandbox);

  const signal = await waitForShutdownSignal();
  say(`\n${signal}: stopping the local stack...`);
  await stack.stop();
  say('Stopped.');
  return 0;
}
