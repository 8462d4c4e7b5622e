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
import { version } from '../../package.json';

// The API on AWS Lambda behind API Gateway's HTTP APIs: the IAM one (the owner is the caller's ARN)
// and the web app's, with a JWT authorizer (the owner is the signed-in person's subject).

export function createLambdaHandler(deps: ApiDependencies) {
  const log = deps.log ?? { error: (message: string, details?: unknown) => console.error(message, details) };
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

async function dependenciesFromEnvironment(env: NodeJS.ProcessEnv = process.env): Promise<ApiDependencies> {
  const tables = tableNamesFromEnvironment(env);
  const artifacts = env[ENV.artifacts];
  if (!artifacts) throw new Error(`${ENV.artifacts} is not set`);
  // The signing key is read here, once per container, with the Lambda's own role: never in its environment.
  const keys = await apiKeysFromSecrets(env);
  return {
    store: Store.connect({ tables, endpoint: env[ENV.dynamodbEndpoint] }),
    artifacts: artifactStoreFrom(artifacts),
    executor: executorFromEnvironment(env, keys.signer.publicKeys),
    keys,
    // With the server's GitHub token, read from Secrets Manager (never in the environment).
    codeHost: await codeHostWithSecretToken(env, { maxRateLimitWaitSeconds: API_RATE_LIMIT_WAIT_SECONDS }),
    version,
    limits: limitsFromEnvironment(env),
    retentionDays: retentionDaysFrom(env[ENV.retentionDays], ENV.retentionDays),
  };
}

let cached: Promise<ReturnType<typeof createLambdaHandler>> | undefined;

/** The Lambda entry point; dependencies are built once per container (a failed build is tried again). */
export const handler: ReturnType<typeof createLambdaHandler> = async (event, context) => {
  cached ??= dependenciesFromEnvironment().then(createLambdaHandler, (error: unknown) => {
    cached = undefined;
    throw error;
  });
  return (await cached)(event, context);
};
