import * as vscode from 'vscode';
import type { Job, RepositoryResult } from '../common/schemas';
import { RepositoryRef } from '../common/webviewProtocol';
import type { Services } from './services';
import { AttemptNode, ErrorCodeNode, GroupNode, JobNode, RepositoryNode } from './tree/nodes';
import { jobDescription, repositoryDescription } from './tree/present';

// Which job or repository a command acts on: the tree row it was invoked on, a reference from a
// webview button, the row selected in the tree, or else the user's pick from a quick pick. So every
// command works from the palette too.

export interface RepositoryTarget {
  job: Job;
  repository: RepositoryResult;
  /** An earlier attempt, when the command was run on one (its row under the repository). */
  attempt?: number;
}

export type JobFilter = (job: Job) => boolean;
export type RepositoryFilter = (job: Job, repository: RepositoryResult) => boolean;

export async function resolveJob(
  services: Services,
  arg: unknown,
  filter: JobFilter,
  purpose: string,
): Promise<Job | undefined> {
  const fromArg = jobOf(arg) ?? (arg === undefined ? jobOf(services.jobs.selection()) : undefined);
  if (fromArg) {
    const job = await services.connection.client.getJob(fromArg.jobId);
    if (filter(job)) return job;
    if (arg !== undefined) {
      void vscode.window.showInformationMessage(
        `Cody Batch: "${job.name}" cannot be used to ${purpose} now (${job.status.toLowerCase()}).`,
      );
      return undefined;
    }
  }
  return pickJob(services, filter, purpose);
}

export async function resolveRepository(
  services: Services,
  arg: unknown,
  filter: RepositoryFilter,
  purpose: string,
): Promise<RepositoryTarget | undefined> {
  const client = services.connection.client;
  const ref = refOf(arg) ?? (arg === undefined ? refOf(services.jobs.selection()) : undefined);
  if (ref) {
    const [job, repository] = await Promise.all([
      client.getJob(ref.jobId),
      client.getRepository(ref.jobId, ref.repositoryName),
    ]);
    if (ref.attempt !== undefined && ref.attempt !== repository.attempt)
      return { job, repository, attempt: ref.attempt };
    if (filter(job, repository)) return { job, repository };
    if (arg !== undefined) {
      void vscode.window.showInformationMessage(
        `Cody Batch: ${repository.repositoryName} cannot be used to ${purpose} (${repositoryDescription(repository)}).`,
      );
      return undefined;
    }
  }
  const jobFromSelection = arg === undefined ? jobOf(services.jobs.selection()) : jobOf(arg);
  const job = jobFromSelection
    ? await client.getJob(jobFromSelection.jobId)
    : await pickJob(services, () => true, purpose);
  if (!job) return undefined;
  const repositories = (await client.allRepositories(job.jobId)).filter((repository) => filter(job, repository));
  if (repositories.length === 0) {
    void vscode.window.showInformationMessage(
      `Cody Batch: no repository of "${job.name}" can be used to ${purpose} yet.`,
    );
    return undefined;
  }
  if (repositories.length === 1) return { job, repository: repositories[0]! };
  const picked = await vscode.window.showQuickPick(
    repositories.map((repository) => ({
      label: repository.repositoryName,
      description: repositoryDescription(repository),
      repository,
    })),
    { title: `Cody Batch: ${purpose}`, placeHolder: `A repository of "${job.name}"`, matchOnDescription: true },
  );
  return picked ? { job, repository: picked.repository } : undefined;
}

async function pickJob(services: Services, filter: JobFilter, purpose: string): Promise<Job | undefined> {
  let jobs = services.jobs.jobs();
  if (jobs.length === 0) jobs = (await services.connection.client.listJobs({ limit: 50 })).items;
  const candidates = jobs.filter(filter);
  if (candidates.length === 0) {
    void vscode.window.showInformationMessage(`Cody Batch: no job can be used to ${purpose} now.`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    candidates.map((job) => ({
      label: job.name,
      description: jobDescription(job),
      detail: `${job.status.toLowerCase()} · ${new Date(job.createdAt).toLocaleString()}`,
      job,
    })),
    { title: `Cody Batch: ${purpose}`, placeHolder: 'Choose a job', matchOnDescription: true },
  );
  return picked?.job;
}

function jobOf(arg: unknown): { jobId: string } | undefined {
  if (
    arg instanceof JobNode ||
    arg instanceof RepositoryNode ||
    arg instanceof GroupNode ||
    arg instanceof ErrorCodeNode ||
    arg instanceof AttemptNode
  )
    return arg.job;
  if (arg && typeof arg === 'object' && typeof (arg as { jobId?: unknown }).jobId === 'string')
    return { jobId: (arg as { jobId: string }).jobId };
  return undefined;
}

function refOf(arg: unknown): RepositoryRef | undefined {
  if (arg instanceof RepositoryNode) return { jobId: arg.job.jobId, repositoryName: arg.repository.repositoryName };
  if (arg instanceof AttemptNode) return arg.ref;
  const parsed = RepositoryRef.safeParse(arg);
  return parsed.success ? parsed.data : undefined;
}

/** A COMPLETED repository whose patch a command applies or saves, and `options.patch`, the one a view painted. */
export async function resolvePatch(
  services: Services,
  arg: unknown,
  options: unknown,
  purpose: string,
): Promise<{ ref: { jobId: string; repositoryName: string }; shown: string | undefined } | undefined> {
  const target = await resolveRepository(
    services,
    arg,
    (_job, repository) => repository.status === 'COMPLETED',
    purpose,
  );
  if (!target) return undefined;
  return {
    ref: { jobId: target.job.jobId, repositoryName: target.repository.repositoryName },
    shown: (options as { patch?: string } | undefined)?.patch,
  };
}
