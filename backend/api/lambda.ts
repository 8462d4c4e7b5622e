import { handle } from 'hono/aws-lambda';
import { ENV } from '../../common/names';
import { artifactStoreFrom } from '../store/artifacts';
import { Store } from '../store/store';
import { tableNamesFromEnvironment } from '../store/tables';
import { createApp } from './app';
import type { ApiDependencies } from './context';
import { iamOwner } from './middleware/auth';
import { executorFromEnvironment } from '../executor/fromEnvironment';
import { version } from '../../package.json';

// The API on AWS Lambda behind API Gateway's HTTP API with IAM auth: the owner is the caller's ARN.

export function createLambdaHandler(deps: ApiDependencies) {
  return handle(createApp(deps, iamOwner));
}

function dependenciesFromEnvironment(env: NodeJS.ProcessEnv = process.env): ApiDependencies {
  const tables = tableNamesFromEnvironment(env);
  const artifacts = env[ENV.artifacts];
  if (!artifacts) throw new Error(`${ENV.artifacts} is not set`);
  return {
    store: Store.connect({ tables, endpoint: env[ENV.dynamodbEndpoint] }),
    artifacts: artifactStoreFrom(artifacts),
    executor: executorFromEnvironment(env),
    version,
  };
}

let cached: ReturnType<typeof createLambdaHandler> | undefined;

/** The Lambda entry point; dependencies are built once per container. */
export const handler: ReturnType<typeof createLambdaHandler> = (event, context) => {
  cached ??= createLambdaHandler(dependenciesFromEnvironment());
  return cached(event, context);
};
