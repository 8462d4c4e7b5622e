import path from 'node:path';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { readDynamoCredentials } from '../../common/localHome';
import { ENV } from '../../common/names';
import { Redactor } from '../../common/redact';
import { hostRedaction } from '../hosts';
import type { ArtifactStore } from '../store/artifacts';
import { FolderArtifactStore } from '../store/artifacts/folderArtifactStore';
import { Store } from '../store/store';
import { killAllCommands, onProcessGroup } from './commandRunner';
import { ConfigError, workerConfigFrom } from './config';
import type { Liveness } from './liveness';
import { askNextShard } from './nextShard';
import type { RunContext } from './runContext';
import { JobGuards } from './sandboxPolicy';
import { workerEnvironment } from './secrets';
import { runWorker } from './worker';
import type { WorkerExit } from './workerDependencies';

// The worker bundle's entry (dist/worker.js): what AWS Batch runs in its container (one shard), and
// what the local executor runs as a child process (one shard, then further shards of the same job
// while the pool has them: ./nextShard.ts). Exit code 0 means the row got its outcome (or needed
// none); anything else means the worker could not do its part, and the executor steps in.

const TERMINATE_GRACE_MS = 5_000;

async function main(): Promise<number> {
  // The local stack asks a worker process what holds around commands here, before it accepts jobs.
  if (process.argv[2] === '--sandbox-status') {
    try {
      const { localSandboxStatus } = await import('./sandboxPolicy');
      process.stdout.write(`${JSON.stringify(await localSandboxStatus(process.env))}\n`);
      return 0;
    } catch (error) {
      process.stdout.write(`${JSON.stringify({ error: (error as Error).message })}\n`);
      return 2;
    }
  }
  let env: NodeJS.ProcessEnv = process.env;
  let redactor = Redactor.fromEnvironment(env, [], hostRedaction());
  const print = (line: string) => process.stdout.write(`${redactor.text(line)}\n`);
  let config;
  try {
    // The secrets, in this object only: never in process.env (see ./secrets.ts).
    env = workerEnvironment();
    redactor = Redactor.fromEnvironment(env, [], hostRedaction());
    config = workerConfigFrom(env);
  } catch (error) {
    print(`cody-batch worker: ${redactor.error(error)}`);
    return 2;
  }

  // The local executor listens for process groups, to clean up after a worker that dies hard.
  if (process.send) onProcessGroup((pgid) => process.send?.({ type: 'process-group', pgid }));
  process.on('exit', killAllCommands);
  // With a command user, the checkout is shared through a group: what we create stays group-writable.
  if (config.commandUser) process.umask(0o002);
  let liveness: Liveness | undefined;
  let terminating = false;
  const terminated = new AbortController();
  const terminate = (signal: NodeJS.Signals) => {
    terminating = true;
    terminated.abort();
    // Batch's TerminateJob, a local cancel or a shutdown: stop the command now, keep the log, and
    // leave the row to whoever stopped us (a cancel marks it; a shutdown re-queues it).
    print(`${signal}: stopping`);
    // On AWS Batch, a signal that is no cancel (a Spot reclaim) is followed by Batch's retry.
    const handOver = env.AWS_BATCH_JOB_ID !== undefined;
    liveness?.stop({ code: 'CANCELLED', message: `The worker received ${signal}`, released: true, handOver });
    killAllCommands();
    setTimeout(() => process.exit(128 + (signal === 'SIGINT' ? 2 : 15)), TERMINATE_GRACE_MS).unref();
  };
  process.once('SIGTERM', () => terminate('SIGTERM'));
  process.once('SIGINT', () => terminate('SIGINT'));

  try {
    const credentialsFile = config.dynamodbCredentialsFile;
    // On AWS every table and artifact call signs with the job-scoped session (its own role reaches none).
    const jobScoped = config.runRoleArn
      ? (await import('../store/jobCredentials')).jobScopedCredentials(
          config.runRoleArn,
          config.jobId,
          `${config.runKind}-${config.index}`,
          env,
        )
      : undefined;
    const store = Store.connect({
      tables: config.tables,
      endpoint: config.dynamodbEndpoint,
      credentials: jobScoped ?? (credentialsFile ? await readDynamoCredentials(credentialsFile) : undefined),
    });
    const deps = {
      config,
      store,
      artifacts: await artifactStore(config.artifacts, jobScoped),
      env,
      print,
      // Loaded on first use: a command job never pays for the Claude SDKs' start-up.
      claude: async (context: RunContext) =>
        (await import('./claudeChange')).claudeChange(context, {
          env,
          store,
          secrets: config.codeHost.token ? [config.codeHost.token] : [],
        }),
      onLiveness: (current: Liveness) => (liveness = current),
      stopRequested: () => terminating,
      // The local pool fails only the row in flight if this process dies (see backend/executor/local.ts).
      onClaimed: (repositoryName: string, attempt: number) =>
        process.send?.({ type: 'claimed', repositoryName, attempt }),
    };
    // The local pool hands this process further shards of the same job (./nextShard.ts); one sandbox serves them all.
    const takesNextShard = env[ENV.nextShard] === 'ipc' && config.runKind === 'change' && process.send !== undefined;
    const guards = takesNextShard ? new JobGuards() : undefined;
    let exit: WorkerExit;
    try {
      let index: number | undefined = config.index;
      do {
        exit = await runWorker({ ...deps, config: { ...config, index }, guards });
        index = takesNextShard && !terminating ? await askNextShard(terminated.signal) : undefined;
        if (index !== undefined) print(`Job ${config.jobId}: taking shard ${index} in this process`);
      } while (index !== undefined);
    } finally {
      await guards?.dispose();
    }
    return exit === 'released' && liveness?.stopped?.message.startsWith('The worker received') ? 143 : 0;
  } catch (error) {
    print(
      `cody-batch worker for job ${env[ENV.jobId]}: ${error instanceof ConfigError ? '' : 'failed: '}${redactor.error(error)}`,
    );
    return error instanceof ConfigError ? 2 : 1;
  }
}

/** The folder store directly; S3's client is loaded only when the artifacts live there. */
async function artifactStore(location: string, credentials?: AwsCredentialIdentityProvider): Promise<ArtifactStore> {
  // Resolved now: a sandboxed worker moves its working folder (./sandbox.ts).
  if (!location.startsWith('s3://')) return new FolderArtifactStore(path.resolve(location));
  return (await import('../store/artifacts')).artifactStoreFrom(location, { credentials });
}

main().then(
  (code) => process.exit(code),
  () => process.exit(1),
);
