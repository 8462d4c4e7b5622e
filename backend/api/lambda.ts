// hono/aws-lambda is marked deprecated in favour of @hono/aws-lambda, which the registry here does not carry yet.
import { type APIGatewayProxyResult, handle, type LambdaContext, type LambdaEvent } from 'hono/aws-lambda';
import { ENV } from '../../common/names';
import { API_RATE_LIMIT_WAIT_SECONDS } from '../hosts';
import { retentionDaysFrom } from '../store/retention';
import { artifactStoreFrom } from '../store/artifacts';
import { Store } from '../store/store';
import { tableNamesFromEnvironment } from '../store/tables';
import { createApp } from './app';
import type { ApiDependencies } from './context';
import { MAX_INLINE_BODY_BYTES, withinResponseLimit } from './lambdaResponse';
import { limitsFromEnvironment } from './limits';
import { codeHostWithSecretToken } from './secretToken';
import { apiKeysFromSecrets } from './signingKeys';
import { awsOwner } from './middleware/auth';
import { executorFromEnvironment } from '../executor/fromEnvironment';
import { isOperationEvent, lambdaBackground, OPERATION_EVENT, type OperationEvent } from './lambdaOperations';
import { continueInBackground, runOperation } from './operations';
import { operationWorks } from './operationWorks';
import { sourceMappedError } from './sourceMappedStack';
import { version } from '../../package.json';

// The API on AWS Lambda behind API Gateway's HTTP APIs: the IAM one (the owner is the caller's ARN)
// and the web app's, with a JWT authorizer (the owner is the signed-in person's subject).

export function createLambdaHandler(deps: ApiDependencies) {
  const log = deps.log ?? {
    error: (message: string, details?: unknown) => console.error(message, sourceMappedError(details)),
  };
  // Larger artifacts go out as a redirect to S3: their answer would not fit Lambda's.
  const maxInlineArtifactBytes = Math.min(
    deps.limits?.maxInlineArtifactBytes ?? MAX_INLINE_BODY_BYTES,
    MAX_INLINE_BODY_BYTES,
  );
  // Every body travels base64-encoded: patches are bytes (a file in Latin-1 must reach `git apply`
  // unchanged), and base64 grows a body by exactly a third, where JSON's escaping of a log full of
  // escape sequences could grow it sixfold.
  const app = handle(createApp({ ...deps, log, limits: { ...deps.limits, maxInlineArtifactBytes } }, awsOwner), {
    isContentTypeBinary: () => true,
  });
  return async (event: LambdaEvent, context?: LambdaContext): Promise<APIGatewayProxyResult> =>
    withinResponseLimit(await app(event, context), log);
}

/** What the API needs on Lambda, from its environment and Secrets Manager (once per container). */
export async function dependenciesFromEnvironment(env: NodeJS.ProcessEnv = process.env): Promise<ApiDependencies> {
  const tables = tableNamesFromEnvironment(env);
  const artifacts = env[ENV.artifacts];
  if (!artifacts) throw new Error(`${ENV.artifacts} is not set`);
  // The signing key is read here, once per container, with the Lambda's own role: never in its
  // environment; and the server's code-host credential (never in the environment either), at the
  // same time: a cold start waits for one round of Secrets Manager's answers, not two.
  const [keys, codeHost] = await Promise.all([
    apiKeysFromSecrets(env),
    codeHostWithSecretToken(env, { maxRateLimitWaitSeconds: API_RATE_LIMIT_WAIT_SECONDS }),
  ]);
  return {
    store: Store.connect({ tables, endpoint: env[ENV.dynamodbEndpoint] }),
    artifacts: artifactStoreFrom(artifacts),
    executor: executorFromEnvironment(env, keys.signer.publicKeys),
    keys,
    codeHost,
    version,
    limits: limitsFromEnvironment(env),
    retentionDays: retentionDaysFrom(env[ENV.retentionDays], ENV.retentionDays),
    background: lambdaBackground(env),
  };
}

let cached: Promise<ApiDependencies> | undefined;
let answer: ReturnType<typeof createLambdaHandler> | undefined;

/** Dependencies are built once per container (a failed build is tried again). */
function dependencies(): Promise<ApiDependencies> {
  cached ??= dependenciesFromEnvironment().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

/** A Lambda's time left, less a margin for the last batch's writes and the next invocation. */
const MARGIN_MS = 8_000;

/**
 * The Lambda's handler (loaded on the first invocation by ./lambdaEntry.ts): API Gateway's requests, and the events the API sends itself to go on
 * with a bulk operation (backend/api/lambdaOperations.ts).
 */
export async function handler(
  event: LambdaEvent | OperationEvent,
  context?: LambdaContext,
): Promise<APIGatewayProxyResult | undefined> {
  const deps = await dependencies();
  if (isOperationEvent(event)) {
    const { jobId, operationId } = event[OPERATION_EVENT];
    const deadline = Date.now() + (context?.getRemainingTimeInMillis?.() ?? 29_000) - MARGIN_MS;
    // Paused for a rate limit: waited out here when it ends in time; else the sweeper's schedule takes it.
    const resumeAt = (await deps.store.operations.state(jobId))?.resumeAt ?? 0;
    if (resumeAt > deadline) return undefined;
    if (resumeAt > Date.now()) await new Promise((resolve) => setTimeout(resolve, resumeAt - Date.now()));
    const end = await runOperation(deps, operationWorks, jobId, operationId, { deadline });
    if (end === 'paused') await continueInBackground(deps, operationWorks, jobId, operationId);
    return undefined;
  }
  answer ??= createLambdaHandler(deps);
  return answer(event, context as LambdaContext);
}
