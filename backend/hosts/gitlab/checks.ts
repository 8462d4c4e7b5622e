import type { CheckFailure } from '../../../common/schemas';
import { HostRefusal, MAX_TRIGGER_CHECKS, type PullRequestRef } from '../codeHost';
import { tailOf } from '../logTail';
import { cut, statusCheck } from '../triggerText';
import { type GitLabClient, GitLabError, projectPath } from './client';
import { act, mergeRequestPath } from './mergeRequestActions';

// A merge request's failing checks through GitLab's REST API, for a follow-up round: the failed
// jobs of the pipeline that ran on its head (name, stage, failure reason, the tail of its trace),
// and of the child pipelines its failed trigger jobs started in the same project (the trigger's own
// job has no trace: its child's failed jobs say what broke). Another project's downstream pipeline
// is named by its trigger, never read: the token may reach projects the job's owner cannot, and a
// repository's CI file decides where a trigger points. Then the head commit's other
// failed statuses (an external CI's, which GitLab keeps as commit statuses; its own jobs are commit
// statuses too, and only the head pipeline's count: a job of an older pipeline of the same commit,
// retried or superseded since, is not this round's). Everything here is text a repository's CI
// wrote: the worker hands it to Claude as the host's words, never as instructions.

/** What is read of a trace, from its end: room for LOG_TAIL_CHARS characters of UTF-8 after GitLab's markers and escapes go. */
const TRACE_BYTES = 256 * 1024;

interface Pipeline {
  id: number;
  sha: string;
}

interface Job {
  id: number;
  name: string;
  stage?: string;
  status: string;
  failure_reason?: string | null;
  allow_failure?: boolean;
  web_url?: string;
}

/** A trigger job: it starts a downstream pipeline (a child in the same project, or another project's). */
interface Bridge extends Job {
  downstream_pipeline?: { id: number; project_id: number; web_url?: string } | null;
}

/** How deep downstream pipelines are followed: a child's child, as GitLab nests them at most a few levels. */
const DOWNSTREAM_DEPTH = 2;

interface CommitStatus {
  id: number;
  name: string;
  status: string;
  description?: string | null;
  target_url?: string | null;
  allow_failure?: boolean;
}

export async function failingChecks(
  gitlab: GitLabClient,
  ref: PullRequestRef,
  headSha: string,
): Promise<CheckFailure[]> {
  const project = projectPath(ref.repositoryName);
  const { pipeline, jobsUrl, projectId } = await headPipeline(gitlab, ref, headSha);
  const checks: CheckFailure[] = [];
  const listed = new Set<number>();
  if (pipeline) await failedJobsOf(gitlab, { project, projectId, pipelineId: pipeline.id, depth: 0 }, checks, listed);
  const statuses = await act(
    () => gitlab.all<CommitStatus>(`${project}/repository/commits/${encodeURIComponent(headSha)}/statuses`),
    'read the commit statuses of',
  );
  for (const status of statuses) {
    if (checks.length >= MAX_TRIGGER_CHECKS) break;
    if (status.status !== 'failed' || status.allow_failure || listed.has(status.id)) continue;
    // GitLab's own jobs are listed here too, the head pipeline's above already.
    if (status.target_url?.startsWith(jobsUrl)) continue;
    listed.add(status.id);
    checks.push(statusCheck(status.name, status.status, status.description, status.target_url));
  }
  return checks;
}

/** A pipeline's failed jobs or trigger jobs; one allowed to fail does not fail its pipeline: nothing to fix. */
async function failed<T extends { allow_failure?: boolean }>(
  gitlab: GitLabClient,
  path: string,
  what: string,
): Promise<T[]> {
  const all = await act(() => gitlab.all<T>(path, { scope: ['failed'] }), `read the ${what} of`);
  return all.filter((candidate) => !candidate.allow_failure);
}

/**
 * A pipeline's failed jobs as checks, then those of the downstream pipelines its failed trigger
 * jobs started (`via`: the trigger's name, for the title), until MAX_TRIGGER_CHECKS.
 */
async function failedJobsOf(
  gitlab: GitLabClient,
  at: { project: string; projectId: number; pipelineId: number; depth: number; via?: string },
  checks: CheckFailure[],
  listed: Set<number>,
): Promise<void> {
  const { project, projectId, pipelineId, depth, via } = at;
  for (const job of await failed<Job>(gitlab, `${project}/pipelines/${pipelineId}/jobs`, 'failed jobs')) {
    if (checks.length >= MAX_TRIGGER_CHECKS) return;
    listed.add(job.id);
    const stage = job.stage ? `stage ${cut(job.stage, 200)}` : undefined;
    const where = via ? `in the downstream pipeline of ${cut(via, 200)}` : undefined;
    checks.push({
      kind: 'check',
      name: job.name,
      conclusion: job.failure_reason || job.status,
      ...(stage || where ? { title: [stage, where].filter(Boolean).join(', ') } : {}),
      ...(job.web_url ? { url: job.web_url } : {}),
      annotations: [],
      ...(await traceTail(gitlab, project, job.id)),
    });
  }
  for (const bridge of await failed<Bridge>(gitlab, `${project}/pipelines/${pipelineId}/bridges`, 'trigger jobs')) {
    if (checks.length >= MAX_TRIGGER_CHECKS) return;
    listed.add(bridge.id);
    const downstream = bridge.downstream_pipeline;
    const name = via ? `${via} → ${bridge.name}` : bridge.name;
    const before = checks.length;
    let unread: string | undefined;
    if (!downstream || !Number.isInteger(downstream.id)) unread = 'it started no downstream pipeline';
    else if (downstream.project_id !== projectId)
      unread = 'its downstream pipeline is in another project, whose CI logs Cody Batch does not read';
    else if (depth >= DOWNSTREAM_DEPTH)
      unread = `its downstream pipeline is nested deeper than ${DOWNSTREAM_DEPTH} levels`;
    else {
      const next = { project, projectId, pipelineId: downstream.id, depth: depth + 1, via: name };
      unread = await failedJobsOf(gitlab, next, checks, listed).then(
        () => undefined,
        (error: unknown) => {
          // A child pipeline GitLab will not give (erased, no rights): named by its trigger. A limit or an outage is not that.
          if (!(error instanceof HostRefusal)) throw error;
          return `GitLab did not give its downstream pipeline (${error.message})`;
        },
      );
    }
    // Nothing of the downstream pipeline to show: the trigger job itself, with why.
    if (checks.length === before && checks.length < MAX_TRIGGER_CHECKS)
      checks.push({
        kind: 'check',
        name: bridge.name,
        conclusion: bridge.failure_reason || bridge.status,
        title: [bridge.stage ? `stage ${cut(bridge.stage, 200)}` : undefined, 'a trigger job']
          .filter(Boolean)
          .join(', '),
        ...((downstream?.web_url ?? bridge.web_url) ? { url: downstream?.web_url ?? bridge.web_url } : {}),
        annotations: [],
        logNote: unread ?? 'its downstream pipeline failed with no failed job of its own',
      });
  }
}

/**
 * The pipeline that ran on `headSha`: the merge request's head pipeline when it is that commit's,
 * else the newest of the merge request's pipelines that is; none when no pipeline ran on it.
 */
async function headPipeline(
  gitlab: GitLabClient,
  ref: PullRequestRef,
  headSha: string,
): Promise<{ pipeline?: Pipeline; jobsUrl: string; projectId: number }> {
  const mergeRequest = await act(
    () => gitlab.get<{ web_url: string; project_id: number; head_pipeline?: Pipeline | null }>(mergeRequestPath(ref)),
    'read the pipeline of',
  );
  // Where the project's job pages are: `{project}/-/jobs/{id}` beside `{project}/-/merge_requests/{iid}`.
  const jobsUrl = `${mergeRequest.web_url.replace(/\/-\/merge_requests\/\d+$/, '')}/-/jobs/`;
  const projectId = mergeRequest.project_id;
  if (mergeRequest.head_pipeline?.sha === headSha) return { pipeline: mergeRequest.head_pipeline, jobsUrl, projectId };
  const pipelines = await act(
    () => gitlab.get<Pipeline[]>(`${mergeRequestPath(ref)}/pipelines`),
    'read the pipelines of',
  );
  return { pipeline: pipelines.find((pipeline) => pipeline.sha === headSha), jobsUrl, projectId };
}

/** The end of a job's trace, without GitLab's collapsible-section markers; why not when GitLab will not give it. */
async function traceTail(
  gitlab: GitLabClient,
  project: string,
  jobId: number,
): Promise<Pick<CheckFailure, 'logTail' | 'logNote'>> {
  try {
    const trace = await gitlab.textTail(`${project}/jobs/${jobId}/trace`, TRACE_BYTES);
    if (!trace.trim()) return { logNote: 'its trace is empty (erased, or the job wrote nothing)' };
    return { logTail: tailOf(withoutSections(trace)) };
  } catch (error) {
    const status = error instanceof GitLabError ? error.status : undefined;
    return {
      logNote: `GitLab did not give its trace${status ? ` (HTTP ${status})` : ''}: ${(error as Error).message}`,
    };
  }
}

/** `section_start:1700000000:step_script[collapsed=true]\r\e[0K`: how GitLab folds a trace, noise to Claude. */
export function withoutSections(trace: string): string {
  return trace.replace(/section_(?:start|end):\d+:[A-Za-z0-9_.-]+(?:\[[^\]\r\n]*\])?\r?(?:\u001b\[0K)?/g, '');
}
