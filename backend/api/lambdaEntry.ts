import type { APIGatewayProxyResult, LambdaContext, LambdaEvent } from 'hono/aws-lambda';
import type { OperationEvent } from './lambdaOperations';

// The API Lambda's entry point (dist/lambda/api.mjs), kept to this file: the function's start
// (INIT) reads and runs only it. The API itself — Hono, the schemas, the DynamoDB client, the
// routes — loads on the first invocation, which builds the function's dependencies then anyway
// (its keys are read from Secrets Manager at that moment, backend/api/lambda.ts).

type Lambda = typeof import('./lambda');

let loading: Promise<Lambda> | undefined;

/** The API's module, imported once per container (a failed import is tried again). */
function api(): Promise<Lambda> {
  loading ??= import('./lambda').catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

export async function handler(
  event: LambdaEvent | OperationEvent,
  context?: LambdaContext,
): Promise<APIGatewayProxyResult | undefined> {
  return (await api()).handler(event, context);
}
