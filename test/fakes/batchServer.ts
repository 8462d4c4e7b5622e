import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A loopback AWS Batch (REST-JSON, `POST /v1/<operation>`), driven through the real
// @aws-sdk/client-batch: the operations the API's executor calls (SubmitJob, DescribeJobs,
// ListJobs, CancelJob, TerminateJob, TerminateJobs), and the life of a job as the AWS Batch user
// guide describes it:
//  - SubmitJob on a registered job definition starts one attempt per job, or per child of an array
//    job (child `i` is `<parent>:<i>`). A container gets the definition's environment, its secrets
//    (as Secrets Manager would inject them), the submission's containerOverrides, and the
//    variables Batch sets: AWS_BATCH_JOB_ID, AWS_BATCH_JOB_ATTEMPT, AWS_BATCH_JOB_ARRAY_INDEX (a
//    child), AWS_BATCH_JQ_NAME, AWS_BATCH_CE_NAME; then what the platform adds (`platformEnvironment`).
//  - An attempt that exits 0 succeeds. One that fails is judged by the definition's retry strategy
//    ("Automated job retries"): the first evaluateOnExit entry all of whose given patterns match
//    decides; a pattern may end in `*`; if none matches, the job is retried; never more than
//    `attempts` attempts. A job that was terminated or timed out is not retried.
//  - TerminateJob (and TerminateJobs) stops a started job as ECS stops a task: SIGTERM to the
//    container's PID 1, SIGKILL after the stop timeout (Fargate's default, 30 s). CancelJob cancels
//    what has not started; on an array parent, its children that have not.
//  - The test plays the events Batch would see: `expire` (the attempt's timeout passed) and
//    `interrupt` (a Spot reclaim), which stop the container with Batch's status reason.

export interface RetryCondition {
  action: 'RETRY' | 'EXIT';
  onExitCode?: string;
  onReason?: string;
  onStatusReason?: string;
}

export interface FakeJobDefinition {
  /** `name` and the ARN (`…:job-definition/name:revision`) both find it, as in SubmitJob. */
  name: string;
  arn: string;
  environment: Record<string, string>;
  /** Secret name → value, as the execution role reads them from Secrets Manager. */
  secrets: Record<string, string>;
  user?: string;
  command?: string[];
  retryStrategy: { attempts: number; evaluateOnExit: RetryCondition[] };
}

export interface LaunchRequest {
  job: FakeBatchJob;
  environment: Record<string, string>;
  user?: string;
  command?: string[];
}

/** A started container, as the fake sees it. */
export interface LaunchedTask {
  /** Resolves with the container's exit code, and the container `reason` Batch would report (an OOM kill). */
  exited: Promise<{ exitCode: number; reason?: string }>;
  signal(signal: NodeJS.Signals): void;
}

export interface FakeAttempt {
  startedAt: number;
  stoppedAt?: number;
  exitCode?: number;
  reason?: string;
  statusReason?: string;
  /** What the retry strategy decided for a failed attempt (absent: succeeded, terminated or timed out). */
  decision?: 'RETRY' | 'EXIT';
}

type Status = 'SUBMITTED' | 'PENDING' | 'RUNNABLE' | 'STARTING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';

export interface FakeBatchJob {
  jobId: string;
  jobName: string;
  jobQueue: string;
  definition: FakeJobDefinition;
  overrides: Record<string, string>;
  status: Status;
  statusReason?: string;
  attempts: FakeAttempt[];
  /** Array parent: its size; child: its index. */
  arraySize?: number;
  arrayIndex?: number;
  parentId?: string;
  timeoutSeconds?: number;
}

export interface FakeBatch {
  url: string;
  /** Every SubmitJob request, as sent. */
  submissions: Record<string, unknown>[];
  jobs: FakeBatchJob[];
  job(jobId: string): FakeBatchJob;
  /** Resolves once the job (or every child of an array parent) has ended. */
  ended(jobId: string): Promise<FakeBatchJob>;
  /** The attempt's timeout has passed: Batch terminates it, and does not retry it. */
  expire(jobId: string): void;
  /** A Spot reclaim: the task is stopped, and the retry strategy judges the attempt. */
  interrupt(jobId: string): void;
  close(): Promise<void>;
}

export interface FakeBatchOptions {
  definitions: FakeJobDefinition[];
  launch(request: LaunchRequest): Promise<LaunchedTask>;
  /** What the platform adds to every container's environment (ECS's credentials URI, endpoints). */
  platformEnvironment?: () => Record<string, string>;
  /** Between SIGTERM and SIGKILL when a task is stopped (Fargate's default: 30 s). */
  stopTimeoutMs?: number;
  computeEnvironment?: string;
}

const TIMEOUT_REASON = 'Job attempt duration exceeded timeout';
const SPOT_REASON = 'Your Spot Task was interrupted.';
const EXITED_REASON = 'Essential container in task exited';

/** Batch's glob: exact, or a prefix when the pattern ends in `*`; an absent value is the empty string. */
function globMatches(pattern: string | undefined, value: string | undefined): boolean {
  if (pattern === undefined) return true;
  const text = value ?? '';
  return pattern.endsWith('*') ? text.startsWith(pattern.slice(0, -1)) : text === pattern;
}

/** The retry strategy's verdict on a failed attempt ("If none of the conditions match, the job is retried"). */
export function retryDecision(
  conditions: readonly RetryCondition[],
  attempt: { exitCode?: number; reason?: string; statusReason?: string },
): 'RETRY' | 'EXIT' {
  for (const condition of conditions) {
    if (
      globMatches(condition.onExitCode, attempt.exitCode === undefined ? undefined : String(attempt.exitCode)) &&
      globMatches(condition.onReason, attempt.reason) &&
      globMatches(condition.onStatusReason, attempt.statusReason)
    )
      return condition.action;
  }
  return 'RETRY';
}

const ENDED: Status[] = ['SUCCEEDED', 'FAILED'];
const STARTED: Status[] = ['STARTING', 'RUNNING'];

export async function startFakeBatch(options: FakeBatchOptions): Promise<FakeBatch> {
  const jobs = new Map<string, FakeBatchJob>();
  const submissions: Record<string, unknown>[] = [];
  const tasks = new Map<string, { task: LaunchedTask; stopping?: 'terminated' | 'timeout' | 'spot' }>();
  const endWaiters = new Map<string, (() => void)[]>();
  const stopTimeoutMs = options.stopTimeoutMs ?? 30_000;
  const computeEnvironment = options.computeEnvironment ?? 'cody-batch-fake-compute';
  const killTimers = new Set<NodeJS.Timeout>();

  const definitionFor = (name: string) => {
    const bare = name.replace(/^arn:[^:]+:batch:[^:]*:\d*:job-definition\//, '').replace(/:\d+$/, '');
    const found = options.definitions.find((definition) => definition.name === bare || definition.arn === name);
    if (!found) throw new ClientError(`Job definition ${name} does not exist`);
    return found;
  };

  const notifyEnded = (job: FakeBatchJob) => {
    for (const resolve of endWaiters.get(job.jobId) ?? []) resolve();
    endWaiters.delete(job.jobId);
    if (job.parentId) {
      const parent = jobs.get(job.parentId)!;
      const children = childrenOf(parent.jobId);
      if (children.every((child) => ENDED.includes(child.status))) {
        parent.status = children.every((child) => child.status === 'SUCCEEDED') ? 'SUCCEEDED' : 'FAILED';
        notifyEnded(parent);
      }
    }
  };
  const childrenOf = (parentId: string) => [...jobs.values()].filter((job) => job.parentId === parentId);

  const startAttempt = async (job: FakeBatchJob) => {
    job.status = 'STARTING';
    const attempt: FakeAttempt = { startedAt: Date.now() };
    job.attempts.push(attempt);
    const environment: Record<string, string> = {
      ...job.definition.environment,
      ...job.definition.secrets,
      ...job.overrides,
      AWS_BATCH_JOB_ID: job.jobId,
      AWS_BATCH_JOB_ATTEMPT: String(job.attempts.length),
      AWS_BATCH_JQ_NAME: job.jobQueue.replace(/^.*:job-queue\//, ''),
      AWS_BATCH_CE_NAME: computeEnvironment,
      ...(job.arrayIndex !== undefined ? { AWS_BATCH_JOB_ARRAY_INDEX: String(job.arrayIndex) } : {}),
      ...options.platformEnvironment?.(),
    };
    let task: LaunchedTask;
    try {
      task = await options.launch({ job, environment, user: job.definition.user, command: job.definition.command });
    } catch (error) {
      attempt.stoppedAt = Date.now();
      attempt.statusReason = `CannotStartContainerError: ${(error as Error).message}`;
      job.status = 'FAILED';
      job.statusReason = attempt.statusReason;
      notifyEnded(job);
      return;
    }
    job.status = 'RUNNING';
    const entry: { task: LaunchedTask; stopping?: 'terminated' | 'timeout' | 'spot' } = { task };
    tasks.set(job.jobId, entry);
    const { exitCode, reason } = await task.exited;
    tasks.delete(job.jobId);
    attempt.stoppedAt = Date.now();
    attempt.exitCode = exitCode;
    attempt.reason = reason;
    attempt.statusReason ??= EXITED_REASON;
    if (exitCode === 0 && !entry.stopping) {
      job.status = 'SUCCEEDED';
      notifyEnded(job);
      return;
    }
    if (entry.stopping === 'terminated' || entry.stopping === 'timeout') {
      job.status = 'FAILED';
      job.statusReason = attempt.statusReason;
      notifyEnded(job);
      return;
    }
    attempt.decision = retryDecision(job.definition.retryStrategy.evaluateOnExit, attempt);
    if (attempt.decision === 'RETRY' && job.attempts.length < job.definition.retryStrategy.attempts) {
      job.status = 'RUNNABLE';
      void startAttempt(job);
      return;
    }
    job.status = 'FAILED';
    job.statusReason = attempt.statusReason;
    notifyEnded(job);
  };

  const stop = (jobId: string, why: 'terminated' | 'timeout' | 'spot', statusReason: string) => {
    const running = tasks.get(jobId);
    if (!running) return false;
    running.stopping ??= why;
    const attempt = jobs.get(jobId)!.attempts.at(-1)!;
    attempt.statusReason = statusReason;
    running.task.signal('SIGTERM');
    const timer = setTimeout(() => running.task.signal('SIGKILL'), stopTimeoutMs);
    killTimers.add(timer);
    void running.task.exited.then(() => {
      clearTimeout(timer);
      killTimers.delete(timer);
    });
    return true;
  };

  const cancel = (job: FakeBatchJob, reason: string) => {
    if (STARTED.includes(job.status) || ENDED.includes(job.status)) return;
    job.status = 'FAILED';
    job.statusReason = reason;
    notifyEnded(job);
  };

  const terminate = (job: FakeBatchJob, reason: string) => {
    if (ENDED.includes(job.status)) return;
    if (!stop(job.jobId, 'terminated', reason)) cancel(job, reason);
  };

  const find = (jobId: string) => {
    const job = jobs.get(jobId);
    if (!job) throw new ClientError(`Job ${jobId} does not exist`);
    return job;
  };

  const describe = (job: FakeBatchJob) => ({
    jobArn: `arn:aws:batch:us-east-1:123456789012:job/${job.jobId}`,
    jobName: job.jobName,
    jobId: job.jobId,
    jobQueue: job.jobQueue,
    jobDefinition: job.definition.arn,
    status: job.status,
    statusReason: job.statusReason,
    createdAt: job.attempts[0]?.startedAt ?? Date.now(),
    attempts: job.attempts
      .filter((attempt) => attempt.stoppedAt !== undefined)
      .map((attempt) => ({
        startedAt: attempt.startedAt,
        stoppedAt: attempt.stoppedAt,
        statusReason: attempt.statusReason,
        container: { exitCode: attempt.exitCode, reason: attempt.reason },
      })),
    ...(job.arraySize !== undefined ? { arrayProperties: { size: job.arraySize } } : {}),
    ...(job.arrayIndex !== undefined ? { arrayProperties: { index: job.arrayIndex } } : {}),
    ...(job.timeoutSeconds ? { timeout: { attemptDurationSeconds: job.timeoutSeconds } } : {}),
  });

  const operations: Record<string, (body: any) => unknown> = {
    submitjob: (body) => {
      submissions.push(body);
      const definition = definitionFor(String(body.jobDefinition));
      const overrides: Record<string, string> = {};
      for (const { name, value } of body.containerOverrides?.environment ?? []) overrides[name] = value;
      const jobId = randomUUID();
      const base = {
        jobName: String(body.jobName),
        jobQueue: String(body.jobQueue),
        definition,
        overrides,
        attempts: [],
        timeoutSeconds: body.timeout?.attemptDurationSeconds,
      };
      const size = body.arrayProperties?.size as number | undefined;
      if (size === undefined) {
        const job: FakeBatchJob = { ...base, jobId, status: 'SUBMITTED' };
        jobs.set(jobId, job);
        void startAttempt(job);
      } else {
        jobs.set(jobId, { ...base, jobId, status: 'PENDING', arraySize: size });
        for (let index = 0; index < size; index++) {
          const child: FakeBatchJob = {
            ...base,
            attempts: [],
            jobId: `${jobId}:${index}`,
            status: 'SUBMITTED',
            arrayIndex: index,
            parentId: jobId,
          };
          jobs.set(child.jobId, child);
          void startAttempt(child);
        }
      }
      return { jobArn: `arn:aws:batch:us-east-1:123456789012:job/${jobId}`, jobName: body.jobName, jobId };
    },
    describejobs: (body) => ({
      jobs: (body.jobs as string[])
        .map((id) => jobs.get(id))
        .filter(Boolean)
        .map((job) => describe(job!)),
    }),
    listjobs: (body) => {
      const wanted = body.jobStatus ?? 'RUNNING';
      const listed = body.arrayJobId ? childrenOf(String(body.arrayJobId)) : [...jobs.values()];
      return {
        jobSummaryList: listed
          .filter((job) => job.status === wanted)
          .map((job) => ({ jobId: job.jobId, jobName: job.jobName, status: job.status })),
      };
    },
    canceljob: (body) => {
      const job = find(String(body.jobId));
      if (job.arraySize !== undefined) for (const child of childrenOf(job.jobId)) cancel(child, String(body.reason));
      else cancel(job, String(body.reason));
      return {};
    },
    terminatejob: (body) => {
      const job = find(String(body.jobId));
      for (const target of job.arraySize !== undefined ? childrenOf(job.jobId) : [job])
        terminate(target, String(body.reason));
      return {};
    },
    terminatejobs: (body) => {
      const successful: string[] = [];
      for (const id of body.jobs as string[]) {
        const job = jobs.get(id);
        if (job) terminate(job, String(body.reason));
        successful.push(id);
      }
      return { successful, errors: [] };
    },
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const operation = operations[(request.url ?? '').replace(/^\/v1\//, '').split('?')[0]!];
      const send = (status: number, body: unknown, type?: string) => {
        response.writeHead(status, {
          'content-type': 'application/json',
          ...(type ? { 'x-amzn-errortype': type } : {}),
        });
        response.end(JSON.stringify(body));
      };
      if (request.method !== 'POST' || !operation)
        return send(404, { message: `Unknown operation ${request.url}` }, 'ClientException');
      try {
        const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
        send(200, operation(body));
      } catch (error) {
        if (error instanceof ClientError) send(400, { message: error.message }, 'ClientException');
        else send(500, { message: (error as Error).message }, 'ServerException');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    submissions,
    get jobs() {
      return [...jobs.values()];
    },
    job: find,
    ended: (jobId) => {
      const job = find(jobId);
      if (ENDED.includes(job.status)) return Promise.resolve(job);
      return new Promise((resolve) => {
        endWaiters.set(jobId, [...(endWaiters.get(jobId) ?? []), () => resolve(job)]);
      });
    },
    expire: (jobId) => {
      if (!stop(jobId, 'timeout', TIMEOUT_REASON)) throw new Error(`Job ${jobId} is not running`);
    },
    interrupt: (jobId) => {
      if (!stop(jobId, 'spot', SPOT_REASON)) throw new Error(`Job ${jobId} is not running`);
    },
    close: async () => {
      for (const timer of killTimers) clearTimeout(timer);
      for (const { task } of tasks.values()) task.signal('SIGKILL');
      await Promise.all([...tasks.values()].map(({ task }) => task.exited));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

class ClientError extends Error {}
