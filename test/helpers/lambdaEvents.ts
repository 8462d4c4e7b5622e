import { ENV } from '../../common/names';
import type { ApiDependencies } from '../../backend/api/context';
import { createLambdaHandler } from '../../backend/api/lambda';
import { IdleExecutor } from '../../backend/executor/executor';
import type { ArtifactStore } from '../../backend/store/artifacts';
import type { Store } from '../../backend/store/store';
import { type ArtifactStoreKind, openArtifactStore } from './artifacts';
import { newTestStore, startTestDynamo } from './dynamo';
import { testKeys } from './keys';

// API Gateway HTTP API (payload 2.0) events as the API's Lambda receives them, for tests and
// benchmarks that call the handler directly, and the handler itself on dynalite.

/**
 * What the API Lambda reads from its environment, on dynalite and a Secrets Manager on loopback:
 * its tables, artifact folder and credentials, and the secrets of its keys (`<secrets>/signing-key`,
 * `<secrets>/worker-key`).
 */
export function lambdaEnvironment(options: {
  store: Store;
  dynamoEndpoint: string;
  artifacts: string;
  identity: { accessKeyId: string; secretAccessKey: string };
  secretsManagerUrl: string;
  secrets: string;
}): Record<string, string> {
  return {
    [ENV.jobsTable]: options.store.tables.jobs,
    [ENV.repositoriesTable]: options.store.tables.repositories,
    [ENV.dynamodbEndpoint]: options.dynamoEndpoint,
    [ENV.artifacts]: options.artifacts,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: options.identity.accessKeyId,
    AWS_SECRET_ACCESS_KEY: options.identity.secretAccessKey,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: options.secretsManagerUrl,
    [ENV.signingKeySecret]: `${options.secrets}/signing-key`,
    [ENV.workerKeySecret]: `${options.secrets}/worker-key`,
  };
}

/**
 * An event for `method rawPath`, signed in as `userArn` by the IAM authorizer when given, or
 * carrying `authorizer` as it is (a JWT authorizer's claims), on the route `routeKey`.
 */
export function apiGatewayEvent(
  method: string,
  rawPath: string,
  options: {
    userArn?: string;
    authorizer?: Record<string, unknown>;
    routeKey?: string;
    body?: unknown;
    query?: string;
  } = {},
) {
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  const routeKey = options.routeKey ?? '$default';
  const authorizer = options.authorizer ?? (options.userArn ? { iam: iamCaller(options.userArn) } : undefined);
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: options.query ?? '',
    headers: {
      host: 'abc123.execute-api.us-east-1.amazonaws.com',
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'test' },
      requestId: `r${Math.random()}`,
      routeKey,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
      ...(authorizer ? { authorizer } : {}),
    },
    body,
    isBase64Encoded: false,
  };
}

/** What API Gateway's IAM authorizer says of a caller. */
export function iamCaller(userArn: string) {
  return { accessKey: 'AKIA', accountId: '123456789012', callerId: 'AIDA', userArn, userId: 'AIDA' };
}

/** The API's Lambda handler on a real dynalite and an artifact store, its workers idle, the test keys. */
export interface LambdaApi {
  store: Store;
  artifacts: ArtifactStore;
  handler: ReturnType<typeof createLambdaHandler>;
  dispose(): Promise<void>;
}

export async function startLambdaApi(
  options: { artifacts?: ArtifactStoreKind } & Pick<ApiDependencies, 'limits' | 'log'> = {},
): Promise<LambdaApi> {
  const dynamo = await startTestDynamo();
  const opened = await openArtifactStore(options.artifacts ?? 'folder').catch(async (error) => {
    await dynamo.close();
    throw error;
  });
  const store = await newTestStore(dynamo);
  const handler = createLambdaHandler({
    store,
    artifacts: opened.store,
    executor: new IdleExecutor(),
    keys: testKeys(),
    version: 'test',
    limits: options.limits,
    log: options.log,
  });
  return {
    store,
    artifacts: opened.store,
    handler,
    dispose: async () => {
      await opened.close();
      await dynamo.close();
    },
  };
}
