import { ENV } from '../../common/names';
import { type ApiKeys, signerFrom, workerSealFrom } from '../store/signing';
import { readSecretString } from './secretToken';

// On AWS the API Lambda's keys (backend/store/signing.ts) come from two Secrets Manager secrets
// the stack generates: the signing key's, which only the API Lambda's role may read, and the
// workers' seal key, which Batch also gives the worker containers. Each is read once per container
// at its current version and, after a rotation, its previous one (AWSPREVIOUS): what the previous
// key signed or sealed still verifies until the next rotation (docs/operations.md).

export async function apiKeysFromSecrets(env: NodeJS.ProcessEnv, fetchImpl: typeof fetch = fetch): Promise<ApiKeys> {
  const signing = env[ENV.signingKeySecret]?.trim();
  const worker = env[ENV.workerKeySecret]?.trim();
  if (!signing || !worker)
    throw new Error(
      `The API needs ${ENV.signingKeySecret} and ${ENV.workerKeySecret}: it signs what runs and what is pushed`,
    );
  const [current, previous, workerCurrent, workerPrevious] = await Promise.all([
    readSecretString(signing, env, fetchImpl),
    readSecretString(signing, env, fetchImpl, { versionStage: 'AWSPREVIOUS', optional: true }),
    readSecretString(worker, env, fetchImpl),
    readSecretString(worker, env, fetchImpl, { versionStage: 'AWSPREVIOUS', optional: true }),
  ]);
  return {
    signer: signerFrom(current, previous ? [previous] : []),
    workerSeal: workerSealFrom(workerPrevious ? [workerCurrent, workerPrevious] : [workerCurrent]),
  };
}
