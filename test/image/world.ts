import { BatchClient } from '@aws-sdk/client-batch';
import { S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { batchExecutorFromEnvironment } from '../../backend/executor/batch';
import { codeHostFromEnvironment } from '../../backend/hosts';
import { startLocalStack, type LocalStack } from '../../backend/local/stack';
import { S3ArtifactStore } from '../../backend/store/artifacts';
import { tableNamesFor } from '../../backend/store/tables';
import { bearerAuth, CodyBatchClient } from '../../common/client';
import { readDynamoCredentials } from '../../common/localHome';
import { ENV } from '../../common/names';
import { startFakeAnthropic, type FakeAnthropic, type FakeAnthropicOptions } from '../fakes/anthropicServer';
import { startFakeBatch, type FakeBatch, type FakeBatchJob } from '../fakes/batchServer';
import { startFakeGitHub, type FakeGitHub } from '../fakes/githubServer';
import { startGitHttpServer, type GitHttpServer } from '../fakes/gitHttpServer';
import { startJobRoleAws, type JobRoleAws } from '../fakes/jobRoleAws';
import { createGitHosting, type FixtureFiles, type GitHosting } from '../helpers/git';
import { REPO_ROOT } from '../helpers/localStack';
import { buildah, inspectImage, removeStaleImages, type ImageFacts } from './buildah';
import { runContainer, type RunningContainer } from './container';
import {
  LOOPBACK_ACCOUNT,
  LOOPBACK_REGION,
  readDeployment,
  synthesizeLoopback,
  type LoopbackDeployment,
} from './deployment';

// Everything `npm run test:image` stands up once: the worker image built from the Dockerfile with
// the build context `cdk synth` stages; the local stack (its API and DynamoDB) whose executor is
// the API's own AWS Batch executor, configured from the synthesized API Lambda's environment and
// talking to a loopback AWS Batch that runs each job as the synthesized job definition says, in a
// container of the image; and the services the worker reaches, on loopback: AWS as its job role
// sees it (credentials endpoint, S3, DynamoDB behind the role's policy), the Messages API, git over
// smart HTTP and GitHub's REST API.
//
// What the container gets that Fargate would not, and why (each printed at start):
//   AWS_CONTAINER_CREDENTIALS_FULL_URI  ECS's credentials endpoint, on loopback instead of 169.254.170.2
//   AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_DYNAMODB  the SDK's standard endpoint overrides: S3 and
//                                       DynamoDB on loopback, behind the job role's policy
//   ANTHROPIC_BASE_URL                  the contract's variable: the loopback Messages API
// The code host's addresses are no substitution: they are deploy parameters (githubApiUrl,
// gitBase), so the job definition itself carries them.

/** This run's tag: runs beside each other (same cache) each build and remove their own. */
export const IMAGE = `localhost/cody-batch-worker:image-test-${process.pid}`;
export const GITHUB_TOKEN = `ghp_${'ImageTest7k'.repeat(3)}abc`;
export const ANTHROPIC_API_KEY = `sk-ant-api03-${'ImageTestKey5'.repeat(4)}`;

const CONTAINER_OOM_REASON = 'OutOfMemoryError: Container killed due to memory usage';

export interface LaunchedContainer {
  job: FakeBatchJob;
  attempt: number;
  container: RunningContainer;
  environment: Record<string, string>;
  /** Milliseconds from starting the container to the worker's claim of its first row, once it has. */
  claimMs?: number;
}

export interface ImageWorld {
  deployment: LoopbackDeployment;
  image: ImageFacts;
  /** The image the Dockerfile builds FROM (in this storage: pulled, or the stand-in). */
  baseName: string;
  base: ImageFacts;
  buildMs: number;
  client: CodyBatchClient;
  stack: LocalStack;
  batch: FakeBatch;
  aws: JobRoleAws;
  hosting: GitHosting;
  gitServer: GitHttpServer;
  github: FakeGitHub;
  anthropic: FakeAnthropic;
  /** The artifacts as an operator reads them from S3. */
  artifacts: S3ArtifactStore;
  /** What the platform added to the job definition's environment, by name. */
  substitutions: Record<string, string>;
  /** Every container started, in order. */
  launched: LaunchedContainer[];
  /** Containers of the Batch job named `cody-batch-[publish-]{jobId}` (one per attempt of each child). */
  containersOf(jobId: string, kind?: 'change' | 'publish'): LaunchedContainer[];
  batchJobOf(jobId: string, kind?: 'change' | 'publish'): FakeBatchJob;
  /** Holds git requests matching `path` until released; `reached` resolves when one arrives. */
  holdGit(path: RegExp): { reached: Promise<void>; release(): void };
  /** Kills the worker in the job's container with SIGKILL, as the kernel's OOM killer would. */
  killWorkerAsOom(jobId: string): Promise<void>;
  dispose(): Promise<void>;
}

export interface ImageWorldOptions {
  repositories: Record<string, FixtureFiles>;
  claudeScript: FakeAnthropicOptions['script'];
  log(line: string): void;
}

export async function startImageWorld(options: ImageWorldOptions): Promise<ImageWorld> {
  const { log } = options;
  const disposers: (() => Promise<unknown>)[] = [];
  const dispose = async () => {
    for (const disposer of disposers.reverse()) await disposer().catch(() => undefined);
  };
  try {
    const hosting = await createGitHosting();
    disposers.push(() => hosting.dispose());
    for (const [name, files] of Object.entries(options.repositories)) await hosting.create(name, files);
    const holds: { path: RegExp; reached: () => void; released: Promise<void> }[] = [];
    const gitServer = await startGitHttpServer({
      root: hosting.root,
      token: GITHUB_TOKEN,
      beforeServing: async (request) => {
        const hold = holds.find((entry) => entry.path.test(request.path));
        if (!hold) return;
        holds.splice(holds.indexOf(hold), 1);
        hold.reached();
        await hold.released;
      },
    });
    disposers.push(() => gitServer.close());
    const github = await startFakeGitHub({ token: GITHUB_TOKEN, gitRoot: hosting.root });
    disposers.push(() => github.close());
    const anthropic = await startFakeAnthropic({ apiKey: ANTHROPIC_API_KEY, script: options.claudeScript });
    disposers.push(() => anthropic.close());

    log('image test: synthesizing the dev stack with the loopback code host as its parameters');
    const synthesis = synthesizeLoopback({ githubApiUrl: github.url, gitBase: gitServer.gitBase });
    const deployment = readDeployment(synthesis, tableNamesFor('local'));

    const { context, dockerfile, platform } = deployment.worker.image;
    log(`image test: building ${IMAGE} from ${path.relative(REPO_ROOT, dockerfile)} in cdk.out's staged context`);
    const buildStarted = Date.now();
    await buildah(
      'bud',
      '--isolation',
      'chroot',
      '--pull=never',
      '--layers',
      '--quiet',
      ...(platform ? ['--platform', platform] : []),
      '-f',
      dockerfile,
      '-t',
      IMAGE,
      context,
    );
    const buildMs = Date.now() - buildStarted;
    // The tag goes when the run ends; the layers stay for the next build's cache.
    disposers.push(() => buildah('rmi', IMAGE));
    const image = await inspectImage(IMAGE);
    await removeStaleImages(image);
    const baseName = baseImageOf(image);
    const base = await inspectImage(baseName);

    const home = await mkdtemp(path.join(os.tmpdir(), 'cody-batch-image-stack-'));
    disposers.push(() => rm(home, { recursive: true, force: true }));
    const substitutions: Record<string, string> = {};
    const launched: LaunchedContainer[] = [];
    const oomKilled = new Set<string>();
    // The job definition's secrets, as Secrets Manager holds them: the worker's seal key is the
    // local stack's (it verifies what workers seal, as the API Lambda does with the same secret),
    // known once the stack has made its keys.
    const secretValues: Record<string, string> = {
      [ENV.githubToken]: GITHUB_TOKEN,
      [ENV.anthropicApiKey]: ANTHROPIC_API_KEY,
    };
    const secrets: Record<string, string> = {};
    const fillSecrets = () => {
      for (const name of deployment.worker.secretNames) {
        if (!(name in secretValues))
          throw new Error(`The image test has no value for the job definition's secret ${name}`);
        secrets[name] = secretValues[name]!;
      }
    };
    const batch = await startFakeBatch({
      definitions: [{ ...deployment.worker, secrets }],
      platformEnvironment: () => substitutions,
      launch: async ({ job, environment, user, command }) => {
        const container = await runContainer({ image: IMAGE, env: environment, user, command });
        const entry: LaunchedContainer = { job, attempt: job.attempts.length, container, environment };
        launched.push(entry);
        void container
          .waitForOutput(/\] (Worker for|Publishing) /)
          .then((at) => (entry.claimMs = at - container.startedAt))
          .catch(() => undefined);
        return {
          exited: container.exited.then(({ exitCode }) => ({
            exitCode,
            ...(oomKilled.has(job.jobId) ? { reason: CONTAINER_OOM_REASON } : {}),
          })),
          signal: (signal) => container.signal(signal),
        };
      },
    });
    disposers.push(async () => {
      await batch.close();
      for (const entry of launched) await entry.container.remove();
    });

    const aws = await startJobRoleAws({
      statements: deployment.worker.jobRole,
      jobRoleArn: deployment.worker.jobRoleArn,
      runRole: deployment.worker.runRole,
      region: LOOPBACK_REGION,
      account: LOOPBACK_ACCOUNT,
      buckets: [deployment.artifactsBucket],
      s3Directory: path.join(home, 's3'),
      dynamodb: async () => ({
        endpoint: stack.dynamodbEndpoint,
        credentials: await readDynamoCredentials(stack.dynamodbCredentialsFile),
      }),
    });
    disposers.push(() => aws.close());
    // The API reads (and hashes) what the workers stored, in S3 as on AWS, with its own access.
    const artifacts = new S3ArtifactStore({
      bucket: deployment.artifactsBucket,
      client: new S3Client({
        endpoint: aws.s3Endpoint,
        forcePathStyle: true,
        region: LOOPBACK_REGION,
        credentials: aws.operatorCredentials,
      }),
    });
    let stack!: LocalStack;
    log('image test: starting the local stack (its API and DynamoDB), with the AWS Batch executor');
    const batchClient = new BatchClient({
      endpoint: batch.url,
      region: LOOPBACK_REGION,
      credentials: { accessKeyId: 'AKIAAPILAMBDA', secretAccessKey: 'api-lambda' },
    });
    stack = await startLocalStack({
      apiArtifacts: artifacts,
      home,
      apiPort: 0,
      dynamodbPort: 0,
      version: 'image-test',
      codeHost: codeHostFromEnvironment({
        [ENV.gitBase]: gitServer.gitBase,
        [ENV.githubApiUrl]: github.url,
        [ENV.githubToken]: GITHUB_TOKEN,
      }),
      executor: ({ keys }) => {
        secretValues[ENV.workerKey] = keys.workerKey;
        fillSecrets();
        // As the API Lambda: its public keys go to the workers with each SubmitJob.
        const executor = batchExecutorFromEnvironment(
          deployment.executorEnvironment,
          keys.signer.publicKeys,
          batchClient,
        );
        if (!executor) throw new Error('The API Lambda has no AWS Batch queue and job definition');
        return executor;
      },
      // The sweeper would fail rows a test hands over between attempts; it runs once, at start.
      sweepEveryMs: 24 * 3600_000,
    });
    disposers.push(() => stack.stop());
    Object.assign(substitutions, aws.environment, { [ENV.anthropicBaseUrl]: anthropic.url });
    for (const [name, value] of Object.entries(substitutions)) log(`image test: the platform adds ${name}=${value}`);

    const batchJobName = (jobId: string, kind: 'change' | 'publish') =>
      `cody-batch-${kind === 'publish' ? 'publish-' : ''}${jobId}`;
    const batchJobOf = (jobId: string, kind: 'change' | 'publish' = 'change') => {
      const found = batch.jobs.filter((job) => job.jobName === batchJobName(jobId, kind) && !job.parentId);
      if (found.length !== 1)
        throw new Error(`Expected one Batch job ${batchJobName(jobId, kind)}, found ${found.length}`);
      return found[0]!;
    };
    const containersOf = (jobId: string, kind: 'change' | 'publish' = 'change') =>
      launched.filter((entry) => entry.job.jobName === batchJobName(jobId, kind));

    return {
      deployment,
      image,
      baseName,
      base,
      buildMs,
      client: new CodyBatchClient({ baseUrl: stack.apiUrl, auth: bearerAuth(stack.token) }),
      stack,
      batch,
      aws,
      hosting,
      gitServer,
      github,
      anthropic,
      artifacts,
      substitutions,
      launched,
      containersOf,
      batchJobOf,
      holdGit: (pattern) => {
        let reached!: () => void;
        let release!: () => void;
        const hold = {
          path: pattern,
          reached: () => reached(),
          released: new Promise<void>((resolve) => (release = resolve)),
        };
        const reachedPromise = new Promise<void>((resolve) => (reached = resolve));
        holds.push(hold);
        return { reached: reachedPromise, release: () => release() };
      },
      killWorkerAsOom: async (jobId) => {
        const [entry] = containersOf(jobId).slice(-1);
        if (!entry) throw new Error(`No container runs job ${jobId}`);
        const worker = (await entry.container.processes()).find((process) => isWorkerProcess(process.argv));
        if (!worker) throw new Error(`No worker process in job ${jobId}'s container`);
        oomKilled.add(entry.job.jobId);
        process.kill(worker.pid, 'SIGKILL');
      },
      dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** The worker process: node, tini's child; not tini (PID 1), whose command line names the worker too. */
export function isWorkerProcess(argv: string[]): boolean {
  return /(^|\/)node$/.test(argv[0] ?? '') && argv.includes('dist/worker.js');
}

/** The image's base, by the annotation buildah records on what it builds FROM. */
function baseImageOf(image: ImageFacts): string {
  const name = image.annotations['org.opencontainers.image.base.name'];
  if (!name) throw new Error(`${IMAGE} records no base image`);
  return name;
}
