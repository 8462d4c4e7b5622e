import { ENV } from '../../common/names';
import { awsCall, lambdaCredentials } from './awsCall';
import type { BackgroundOperations } from './context';

// On AWS a bulk operation goes on after its request in the API Lambda itself, invoked again
// asynchronously (Lambda's Invoke, InvocationType Event) with an event of its own, which no API
// Gateway request can be: the function has every permission the operation's work needs (the
// tables, S3, AWS Batch, the GitHub token). An invocation runs it until shortly before its
// timeout, then invokes the next. The sweeper, on its schedule, invokes it for operations whose
// runner stopped (their lease ran out).

/** The event's key: `{ codyBatchOperation: { jobId, operationId } }`. */
export const OPERATION_EVENT = 'codyBatchOperation';

export interface OperationEvent {
  [OPERATION_EVENT]: { jobId: string; operationId: string };
}

export function isOperationEvent(event: unknown): event is OperationEvent {
  const value = (event as Record<string, unknown> | undefined)?.[OPERATION_EVENT] as
    | { jobId?: unknown; operationId?: unknown }
    | undefined;
  return typeof value?.jobId === 'string' && typeof value.operationId === 'string';
}

/** Invokes `functionName` with the operation's event, not waiting for it to run. */
export async function invokeOperation(
  functionName: string,
  jobId: string,
  operationId: string,
  env: NodeJS.ProcessEnv,
  fetchImpl: typeof fetch = fetch,
): Promise<void> {
  const { region } = lambdaCredentials(env, 'Continuing an operation');
  const base = env.AWS_ENDPOINT_URL_LAMBDA || `https://lambda.${region}.amazonaws.com`;
  await awsCall(
    {
      service: 'lambda',
      url: new URL(`/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`, base),
      headers: { 'content-type': 'application/json', 'x-amz-invocation-type': 'Event' },
      body: JSON.stringify({ [OPERATION_EVENT]: { jobId, operationId } } satisfies OperationEvent),
      what: `invoke ${functionName} to go on with operation ${operationId}`,
    },
    env,
    fetchImpl,
  );
}

/**
 * Where the API Lambda's operations go on: the function named by CODY_BATCH_OPERATIONS_FUNCTION,
 * else this one (AWS_LAMBDA_FUNCTION_NAME); none outside Lambda (the request's own process).
 */
export function lambdaBackground(env: NodeJS.ProcessEnv = process.env): BackgroundOperations | undefined {
  const functionName = env[ENV.operationsFunction] || env.AWS_LAMBDA_FUNCTION_NAME;
  if (!functionName) return undefined;
  return { continueOperation: (jobId, operationId) => invokeOperation(functionName, jobId, operationId, env) };
}
