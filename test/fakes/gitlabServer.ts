import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { serveGit } from './gitHttpServer';
import { listenOnLoopback, type RecordedRequest, recordRequest } from './loopback';

// A loopback GitLab: the parts of its REST API v4 Cody Batch uses, and git over smart HTTP for the
// same projects at the same address (`{url}/{path}.git`), as one GitLab instance serves both.
// - projects in nested groups (`acme/platform/widgets`) and in users' namespaces, each a real bare
//   repository under `root`; a group's projects with or without its subgroups' and the ones shared
//   into it, a user's, one project by id or by its URL-encoded path, a search by name, by topic,
//   and code search (blobs) only where "advanced search" is on (else GitLab's 400);
// - pagination as GitLab gives it: `page`/`per_page`, `Link` (first, prev, next, last), `X-Page`,
//   `X-Next-Page`, `X-Total`…; a listing can be made to send only one of the two styles;
// - merge requests: list by state and source branch, create (409 for a second open one of a
//   branch), update (title, description, labels, reviewers, close), the head pipeline and
//   `detailed_merge_status` as GitLab works them out from the real branches (conflicts by a real
//   `git merge-tree`), approvals, notes, and merges done for real in the bare repository (a merge
//   commit or a squash, `sha` checked against the source branch's head: 409 when it moved),
//   "merge when pipeline succeeds" carried out when the pipeline passes, branch deletion;
// - what a follow-up round reads: a pipeline's jobs (`scope[]=failed`) with their traces, its
//   trigger jobs (`/bridges`) and the downstream pipelines they started, a
//   commit's statuses (its pipelines' jobs, as GitLab lists them, and external ones), notes and
//   discussions (diff notes with their position, system notes), a merge request's diffs per file,
//   and `/user`, the token's own user, who writes the notes posted through the API;
// - `RateLimit-*` headers on every answer and a 429 with `Retry-After` on demand;
// - a log of every request with its Authorization header. It checks the token as GitLab does:
//   `Authorization: Bearer`, `PRIVATE-TOKEN`, or for git HTTP Basic with the token as password.

const run = promisify(execFile);

export interface FakeProject {
  /** Its full path: `group/subgroup/project`, or `user/project`. */
  path: string;
  archived?: boolean;
  /** A fork of another project. */
  fork?: boolean;
  topics?: string[];
  /** Groups it is shared into (besides its own). */
  sharedWith?: string[];
  /** Files the code search looks in (it needs no repository for that): path → content. */
  files?: Record<string, string>;
  /** The project asks for a passing pipeline before a merge. */
  pipelineMustSucceed?: boolean;
  /** Approvals a merge request needs. */
  approvalsRequired?: number;
  /** No repository content (`empty_repo`). */
  empty?: boolean;
}

export interface FakeMergeRequest {
  id: number;
  iid: number;
  projectId: number;
  project: string;
  title: string;
  description: string;
  sourceBranch: string;
  targetBranch: string;
  state: 'opened' | 'closed' | 'merged';
  labels: string[];
  reviewerIds: number[];
  notes: FakeNote[];
  approvedBy: string[];
  /** Set with a merge request's merge: "merge when pipeline succeeds". */
  mergeWhenPipelineSucceeds: boolean;
  squash?: boolean;
  mergeCommitSha?: string;
  /** What the merge asked for, to remove the source branch once merged. */
  removeSourceBranch?: boolean;
  /** GitLab's own word, answered instead of working it out (`checking` while it has not). */
  detailedMergeStatus?: string;
  updatedAt: string;
  webUrl: string;
}

/** A note on a merge request: a person's, the token user's, or GitLab's own (`system`). */
export interface FakeNote {
  id: number;
  author: string;
  body: string;
  system: boolean;
  createdAt: string;
  /** A diff note's place: the file and line it sits on (new side, or old side for a removed line). */
  position?: { new_path: string; new_line?: number; old_path?: string; old_line?: number };
  /** Its address on GitLab: `{url}/{path}/-/merge_requests/{iid}#note_{id}`. */
  url: string;
}

/** A job of a pipeline, as CI ran it. */
export interface FakeJob {
  name: string;
  stage?: string;
  /** `failed`, `success`, … (default failed). */
  status?: string;
  failureReason?: string;
  allowFailure?: boolean;
  /** Its log, as GitLab keeps it (sections, escapes and all). */
  trace?: string;
  /**
   * A trigger job (GitLab's "bridge"): the downstream pipeline it started, a child in the same
   * project or in `project` (a path). Listed by `/bridges`, not `/jobs`; its status follows the
   * downstream's, as with `strategy: depend`.
   */
  downstream?: { status: string; jobs: FakeJob[]; project?: string; unreadable?: boolean };
}

export interface FakeGitLabOptions {
  /** The only token it accepts. */
  token: string;
  /** The bare repositories: `{root}/{path}.git`. */
  root: string;
  projects?: FakeProject[];
  /** Users: their namespaces hold projects named `user/…`; they can be reviewers. */
  users?: string[];
  /** The most items a page holds, whatever per_page asks (default 100). */
  pageSize?: number;
  /** Which pagination headers listings send (default both, as GitLab does for small listings). */
  pagination?: 'both' | 'link' | 'x-next-page';
  /** Code search across projects (GitLab's advanced search); without it a blob search is a 400. */
  advancedSearch?: boolean;
  /** Runs when a merge arrives, before it is judged (a test pushes to the source branch there). */
  beforeMerge?: (mergeRequest: FakeMergeRequest) => Promise<void> | void;
  /** Runs once a merge request is made, before the answer is sent (a test kills the worker there). */
  afterCreate?: (mergeRequest: FakeMergeRequest) => Promise<void> | void;
  /** The username of the token's own user (`GET /user`, the author of notes posted with it); default `cody-batch`. */
  tokenUser?: string;
  /** Awaited before an authorized git request is served: a test may push in between a look and a push. */
  beforeGit?: (request: { method: string; path: string }) => Promise<void> | void;
}

export interface FakeGitLab {
  url: string;
  options: FakeGitLabOptions;
  mergeRequests: FakeMergeRequest[];
  requests: RecordedRequest[];
  /** Branches deleted through the API, `path:branch`. */
  deletedBranches: string[];
  /** A project as the fake holds it: change its settings (pipelineMustSucceed, approvalsRequired) as a test goes. */
  project(projectPath: string): FakeProject;
  /** A merge request as if someone had opened it on GitLab (seeds a test or a benchmark); the rest of its fields default. */
  addMergeRequest(
    fields: Pick<FakeMergeRequest, 'project' | 'sourceBranch'> & Partial<FakeMergeRequest>,
  ): FakeMergeRequest;
  /** The merge request `path!iid`. */
  mergeRequest(projectPath: string, iid: number): FakeMergeRequest | undefined;
  /** Sets the status of the pipeline of a commit (a sha, or a branch's head), as CI would, with the jobs it ran. */
  setPipeline(projectPath: string, shaOrBranch: string, status: string, jobs?: FakeJob[]): Promise<void>;
  /** An external CI's status on a commit (a sha, or a branch's head). */
  addCommitStatus(
    projectPath: string,
    shaOrBranch: string,
    status: { name: string; status: string; description?: string; targetUrl?: string },
  ): Promise<void>;
  /** Someone (or GitLab, `system`) writes a note on a merge request; it is dated now unless given. */
  addNote(
    projectPath: string,
    iid: number,
    note: Pick<FakeNote, 'author' | 'body'> & Partial<Pick<FakeNote, 'system' | 'createdAt' | 'position'>>,
  ): FakeNote;
  /** A user approves a merge request. */
  approve(projectPath: string, iid: number, username: string): void;
  /** The commit a branch of a project points at, or undefined. */
  branchHead(projectPath: string, branch: string): Promise<string | undefined>;
  /** Answers the next API request whose path (under /api/v4) starts with `prefix` with a 429 (`Retry-After`, default 1 s). */
  rateLimitNext(prefix: string, retryAfterSeconds?: number): void;
  rateLimited(): number;
  close(): Promise<void>;
}

interface ProjectRecord extends FakeProject {
  id: number;
}

interface Pipeline {
  id: number;
  sha: string;
  status: string;
  jobs: (FakeJob & { id: number; downstreamId?: number })[];
  /** A downstream pipeline: the trigger job that started it. Not a merge request's pipeline, nor a head pipeline. */
  upstreamJob?: number;
  /** Its jobs are refused (404), as GitLab does in a project the token cannot read. */
  unreadable?: boolean;
}

interface ExternalStatus {
  id: number;
  sha: string;
  name: string;
  status: string;
  description?: string;
  targetUrl?: string;
}

export async function startFakeGitLab(options: FakeGitLabOptions): Promise<FakeGitLab> {
  const requests: RecordedRequest[] = [];
  const mergeRequests: FakeMergeRequest[] = [];
  const deletedBranches: string[] = [];
  const pipelines = new Map<number, Pipeline[]>();
  const externalStatuses = new Map<number, ExternalStatus[]>();
  const tokenUser = options.tokenUser ?? 'cody-batch';
  let nextId = 1;
  const projects: ProjectRecord[] = (options.projects ?? []).map((project) => ({ ...project, id: nextId++ }));
  const users = [...(options.users ?? []), tokenUser].map((username) => ({ id: nextId++, username }));
  const userNames = new Set(users.map((user) => user.username.toLowerCase()));
  const groups = new Set<string>();
  for (const project of projects) {
    const parts = project.path.split('/');
    if (userNames.has(parts[0]!.toLowerCase())) continue;
    for (let depth = 1; depth < parts.length; depth++) groups.add(parts.slice(0, depth).join('/').toLowerCase());
  }
  let limitNext: { prefix: string; retryAfter: number } | undefined;
  let rateLimited = 0;
  let url = '';

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => send(response, 500, { message: String(error) }));
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const parsed = recordRequest(requests, request);
    if (!parsed.pathname.startsWith('/api/v4/')) return git(request, response, parsed);
    const auth = request.headers.authorization ?? '';
    if (auth !== `Bearer ${options.token}` && request.headers['private-token'] !== options.token)
      return send(response, 401, { message: '401 Unauthorized' });
    const route = parsed.pathname.slice('/api/v4'.length);
    if (limitNext && route.startsWith(limitNext.prefix)) {
      const retryAfter = limitNext.retryAfter;
      limitNext = undefined;
      rateLimited++;
      return send(
        response,
        429,
        { message: 'Retry later' },
        {
          'retry-after': String(retryAfter),
          'ratelimit-remaining': '0',
          'ratelimit-reset': String(Math.ceil(Date.now() / 1000) + retryAfter),
        },
      );
    }
    const segments = route.split('/').slice(1).map(decodeURIComponent);
    const method = request.method ?? 'GET';
    const body = method === 'GET' ? {} : await readBody(request);
    const answer = await api(method, segments, parsed.searchParams, body);
    if (!answer) return send(response, 404, { message: '404 Not Found' });
    if ('list' in answer) return page(response, parsed, answer.list);
    if ('text' in answer) {
      response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(answer.text);
      return;
    }
    return send(response, answer.status, answer.body);
  }

  type Answer = { status: number; body: unknown } | { list: unknown[] } | { text: string } | undefined;

  async function api(
    method: string,
    segments: string[],
    query: URLSearchParams,
    body: Record<string, unknown>,
  ): Promise<Answer> {
    const [first, id, second, third, fourth, fifth] = segments;
    if (method === 'GET' && first === 'user' && id === undefined) return { status: 200, body: userView(tokenUser) };
    if (method === 'GET' && first === 'users' && id === undefined) {
      const username = query.get('username')?.toLowerCase();
      return { list: users.filter((user) => !username || user.username.toLowerCase() === username) };
    }
    if (method === 'GET' && first === 'users' && second === 'projects') {
      const user = users.find(
        (candidate) => candidate.username.toLowerCase() === id!.toLowerCase() || String(candidate.id) === id,
      );
      if (!user) return { status: 404, body: { message: '404 User Not Found' } };
      return {
        list: projects
          .filter((project) => namespaceOf(project).toLowerCase() === user.username.toLowerCase())
          .map(view),
      };
    }
    if (method === 'GET' && first === 'groups' && second === 'projects') return groupProjects(id!, query);
    if (method === 'GET' && (first === 'search' || (first === 'groups' && second === 'search'))) {
      const scope = first === 'groups' ? id : undefined;
      if (scope && !groups.has(scope.toLowerCase())) return { status: 404, body: { message: '404 Group Not Found' } };
      if (query.get('scope') !== 'blobs') return { status: 400, body: { error: 'scope does not have a valid value' } };
      if (!options.advancedSearch)
        return { status: 400, body: { error: 'Scope not supported without Elasticsearch!' } };
      const words = query.get('search') ?? '';
      const blobs = projects
        .filter((project) => !scope || project.path.toLowerCase().startsWith(`${scope.toLowerCase()}/`))
        .flatMap((project) =>
          Object.entries(project.files ?? {})
            .filter(([, content]) => content.includes(words))
            .map(([file]) => ({ project_id: project.id, path: file, basename: path.basename(file), ref: 'main' })),
        );
      return { list: blobs };
    }
    if (first !== 'projects') return undefined;
    if (id === undefined) {
      if (method !== 'GET') return undefined;
      const search = query.get('search')?.toLowerCase();
      const topic = query.get('topic')?.toLowerCase();
      return {
        list: projects
          .filter((project) => !search || project.path.split('/').at(-1)!.toLowerCase().includes(search))
          .filter(
            (project) =>
              !topic || topic.split(',').every((t) => (project.topics ?? []).map((x) => x.toLowerCase()).includes(t)),
          )
          .map(view),
      };
    }
    const project = projects.find(
      (candidate) => String(candidate.id) === id || candidate.path.toLowerCase() === id.toLowerCase(),
    );
    if (!project) return { status: 404, body: { message: '404 Project Not Found' } };
    if (second === undefined)
      return method === 'GET'
        ? { status: 200, body: { ...view(project), default_branch: await defaultBranch(project.path) } }
        : undefined;
    if (second === 'repository' && third === 'branches' && fourth !== undefined && method === 'DELETE') {
      if (!(await branchHead(project.path, fourth))) return { status: 404, body: { message: '404 Branch Not Found' } };
      await bareGit(project.path, 'update-ref', '-d', `refs/heads/${fourth}`);
      deletedBranches.push(`${project.path}:${fourth}`);
      return { status: 204, body: undefined };
    }
    if (second === 'pipelines' && fourth === 'jobs' && method === 'GET') {
      const pipeline = (pipelines.get(project.id) ?? []).find((candidate) => String(candidate.id) === third);
      if (!pipeline || pipeline.unreadable) return { status: 404, body: { message: '404 Project Not Found' } };
      const scopes = query.getAll('scope[]');
      return {
        list: pipeline.jobs
          .filter((job) => !job.downstream && (!scopes.length || scopes.includes(job.status ?? 'failed')))
          .map((job) => jobView(project, pipeline, job)),
      };
    }
    if (second === 'pipelines' && fourth === 'bridges' && method === 'GET') {
      const pipeline = (pipelines.get(project.id) ?? []).find((candidate) => String(candidate.id) === third);
      if (!pipeline) return { status: 404, body: { message: '404 Not found' } };
      const scopes = query.getAll('scope[]');
      return {
        list: pipeline.jobs
          .filter((job) => job.downstream && (!scopes.length || scopes.includes(job.status ?? 'failed')))
          .map((job) => bridgeView(project, pipeline, job)),
      };
    }
    if (second === 'jobs' && fourth === 'trace' && method === 'GET') {
      const job = (pipelines.get(project.id) ?? [])
        .flatMap((pipeline) => pipeline.jobs)
        .find((j) => String(j.id) === third);
      return job ? { text: job.trace ?? '' } : { status: 404, body: { message: '404 Not found' } };
    }
    if (second === 'repository' && third === 'commits' && fifth === 'statuses' && method === 'GET') {
      // As GitLab does: its own pipelines' jobs are commit statuses too, besides external ones.
      const jobs = (pipelines.get(project.id) ?? [])
        .filter((pipeline) => pipeline.sha === fourth)
        .flatMap((pipeline) =>
          pipeline.jobs.map((job) => ({
            id: job.id,
            sha: pipeline.sha,
            name: job.name,
            status: job.status ?? 'failed',
            description: null,
            allow_failure: Boolean(job.allowFailure),
            target_url: `${url}/${project.path}/-/jobs/${job.id}`,
          })),
        );
      const external = (externalStatuses.get(project.id) ?? [])
        .filter((status) => status.sha === fourth)
        .map((status) => ({
          id: status.id,
          sha: status.sha,
          name: status.name,
          status: status.status,
          description: status.description ?? null,
          allow_failure: false,
          target_url: status.targetUrl ?? null,
        }));
      return { list: [...jobs, ...external] };
    }
    if (second !== 'merge_requests') return undefined;
    if (third === undefined) {
      if (method === 'GET') {
        const state = query.get('state') ?? 'all';
        const source = query.get('source_branch');
        return {
          list: await Promise.all(
            mergeRequests
              .filter((mr) => mr.projectId === project.id)
              .filter((mr) => state === 'all' || mr.state === state)
              .filter((mr) => !source || mr.sourceBranch === source)
              .map((mr) => mergeRequestView(mr, project, false)),
          ),
        };
      }
      if (method === 'POST') return createMergeRequest(project, body);
      return undefined;
    }
    const mr = mergeRequests.find((candidate) => candidate.projectId === project.id && String(candidate.iid) === third);
    if (!mr) return { status: 404, body: { message: '404 Not found' } };
    if (fourth === undefined) {
      if (method === 'GET') return { status: 200, body: await mergeRequestView(mr, project, true) };
      if (method === 'PUT') return updateMergeRequest(mr, project, body);
      return undefined;
    }
    if (fourth === 'approvals' && method === 'GET') {
      const required = project.approvalsRequired ?? 0;
      const left = Math.max(0, required - mr.approvedBy.length);
      return {
        status: 200,
        body: {
          approvals_required: required,
          approvals_left: left,
          approved: left === 0,
          approved_by: mr.approvedBy.map((username) => ({ user: userView(username) })),
        },
      };
    }
    if (fourth === 'notes') {
      if (method === 'POST' && fifth === undefined) {
        if (typeof body.body !== 'string' || !body.body.trim())
          return { status: 400, body: { message: 'body is missing' } };
        const note = noteOn(mr, { author: tokenUser, body: body.body });
        return { status: 201, body: noteView(note) };
      }
      if (method === 'GET' && fifth !== undefined) {
        const note = mr.notes.find((candidate) => String(candidate.id) === fifth);
        return note ? { status: 200, body: noteView(note) } : { status: 404, body: { message: '404 Note Not Found' } };
      }
      if (method === 'GET') {
        const newestFirst = query.get('sort') === 'desc';
        const notes = [...mr.notes].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id - b.id);
        return { list: (newestFirst ? notes.reverse() : notes).map(noteView) };
      }
    }
    if (fourth === 'discussions' && method === 'GET')
      return {
        list: mr.notes.map((note) => ({
          id: `d${note.id}`,
          individual_note: !note.position,
          notes: [noteView(note)],
        })),
      };
    if (fourth === 'diffs' && method === 'GET') return { list: await fileDiffs(mr, project) };
    if (fourth === 'merge' && method === 'PUT' && fifth === undefined) return merge(mr, project, body);
    if (fourth === 'pipelines' && method === 'GET') {
      const sha = await branchHead(project.path, mr.sourceBranch);
      return {
        list: (pipelines.get(project.id) ?? [])
          .filter((pipeline) => pipeline.sha === sha && !pipeline.upstreamJob)
          .reverse()
          .map((pipeline) => ({ id: pipeline.id, sha: pipeline.sha, status: pipeline.status })),
      };
    }
    return undefined;
  }

  async function groupProjects(id: string, query: URLSearchParams): Promise<Answer> {
    const group = id.toLowerCase();
    if (!groups.has(group)) return { status: 404, body: { message: '404 Group Not Found' } };
    const subgroups = query.get('include_subgroups') === 'true';
    const shared = query.get('with_shared') !== 'false';
    const archived = query.get('archived');
    return {
      list: projects
        .filter((project) => {
          const namespace = namespaceOf(project).toLowerCase();
          const own = namespace === group || (subgroups && namespace.startsWith(`${group}/`));
          const sharedIn = shared && (project.sharedWith ?? []).some((other) => other.toLowerCase() === group);
          return own || sharedIn;
        })
        .filter((project) => archived === null || String(Boolean(project.archived)) === archived)
        .map(view),
    };
  }

  async function createMergeRequest(project: ProjectRecord, body: Record<string, unknown>): Promise<Answer> {
    const source = String(body.source_branch ?? '');
    const target = String(body.target_branch ?? '');
    if (!source || !target || typeof body.title !== 'string')
      return { status: 400, body: { message: 'source_branch, target_branch, title are missing' } };
    if (!(await branchHead(project.path, source)))
      return { status: 400, body: { message: { source_branch: ['is invalid'] } } };
    if (mergeRequests.some((mr) => mr.projectId === project.id && mr.sourceBranch === source && mr.state === 'opened'))
      return {
        status: 409,
        body: { message: [`Another open merge request already exists for this source branch: !${project.id}`] },
      };
    const iid = mergeRequests.filter((mr) => mr.projectId === project.id).length + 1;
    const mr: FakeMergeRequest = {
      id: nextId++,
      iid,
      projectId: project.id,
      project: project.path,
      title: body.title,
      description: String(body.description ?? ''),
      sourceBranch: source,
      targetBranch: target,
      state: 'opened',
      labels: labelsOf(body.labels),
      reviewerIds: Array.isArray(body.reviewer_ids) ? body.reviewer_ids.map(Number) : [],
      notes: [],
      approvedBy: [],
      mergeWhenPipelineSucceeds: false,
      updatedAt: new Date().toISOString(),
      webUrl: `${url}/${project.path}/-/merge_requests/${iid}`,
    };
    mergeRequests.push(mr);
    await options.afterCreate?.(mr);
    return { status: 201, body: await mergeRequestView(mr, project, true) };
  }

  async function updateMergeRequest(
    mr: FakeMergeRequest,
    project: ProjectRecord,
    body: Record<string, unknown>,
  ): Promise<Answer> {
    if (typeof body.title === 'string') mr.title = body.title;
    if (typeof body.description === 'string') mr.description = body.description;
    if (body.labels !== undefined) mr.labels = labelsOf(body.labels);
    if (body.add_labels !== undefined)
      for (const label of labelsOf(body.add_labels)) if (!mr.labels.includes(label)) mr.labels.push(label);
    if (Array.isArray(body.reviewer_ids)) mr.reviewerIds = body.reviewer_ids.map(Number);
    if (body.state_event === 'close') {
      if (mr.state === 'merged') return { status: 405, body: { message: '405 Method Not Allowed' } };
      mr.state = 'closed';
    }
    if (body.state_event === 'reopen' && mr.state === 'closed') mr.state = 'opened';
    touch(mr);
    return { status: 200, body: await mergeRequestView(mr, project, true) };
  }

  async function merge(mr: FakeMergeRequest, project: ProjectRecord, body: Record<string, unknown>): Promise<Answer> {
    await options.beforeMerge?.(mr);
    if (mr.state !== 'opened') return { status: 405, body: { message: '405 Method Not Allowed' } };
    const head = await branchHead(project.path, mr.sourceBranch);
    if (typeof body.sha === 'string' && body.sha !== head)
      return { status: 409, body: { message: `SHA does not match HEAD of source branch: ${head}` } };
    mr.squash = body.squash === true;
    mr.removeSourceBranch = body.should_remove_source_branch === true;
    const status = await detailedStatus(mr, project);
    if (body.merge_when_pipeline_succeeds === true && (status === 'ci_still_running' || status === 'mergeable')) {
      if (status === 'ci_still_running') {
        mr.mergeWhenPipelineSucceeds = true;
        touch(mr);
        return { status: 200, body: await mergeRequestView(mr, project, true) };
      }
    }
    if (status !== 'mergeable') return { status: 422, body: { message: `Branch cannot be merged (${status})` } };
    await mergeForReal(mr, project);
    return { status: 200, body: await mergeRequestView(mr, project, true) };
  }

  /** The merge in the bare repository: a merge commit (or a squash commit) on the target branch. */
  async function mergeForReal(mr: FakeMergeRequest, project: ProjectRecord): Promise<void> {
    const source = (await branchHead(project.path, mr.sourceBranch))!;
    const target = (await branchHead(project.path, mr.targetBranch))!;
    const tree = (await bareGit(project.path, 'merge-tree', '--write-tree', target, source)).split('\n')[0]!;
    const message = mr.squash
      ? mr.title.replace(/^Draft:\s*/i, '')
      : `Merge branch '${mr.sourceBranch}' into '${mr.targetBranch}'\n\n${mr.title}`;
    const parents = mr.squash ? ['-p', target] : ['-p', target, '-p', source];
    const commit = (await bareGit(project.path, 'commit-tree', tree, ...parents, '-m', message)).trim();
    await bareGit(project.path, 'update-ref', `refs/heads/${mr.targetBranch}`, commit, target);
    if (mr.removeSourceBranch) await bareGit(project.path, 'update-ref', '-d', `refs/heads/${mr.sourceBranch}`);
    mr.state = 'merged';
    mr.mergeCommitSha = commit;
    mr.mergeWhenPipelineSucceeds = false;
    touch(mr);
  }

  async function detailedStatus(mr: FakeMergeRequest, project: ProjectRecord): Promise<string> {
    if (mr.detailedMergeStatus) return mr.detailedMergeStatus;
    if (mr.state !== 'opened') return 'not_open';
    if (/^\s*draft:/i.test(mr.title)) return 'draft_status';
    const source = await branchHead(project.path, mr.sourceBranch);
    const target = await branchHead(project.path, mr.targetBranch);
    if (!source || !target) return 'commits_status';
    try {
      await bareGit(project.path, 'merge-tree', '--write-tree', target, source);
    } catch {
      return 'conflict';
    }
    if (project.pipelineMustSucceed) {
      const pipeline = headPipeline(project, source);
      if (!pipeline || ['failed', 'canceled', 'skipped'].includes(pipeline.status)) return 'ci_must_pass';
      if (pipeline.status !== 'success') return 'ci_still_running';
    }
    if ((project.approvalsRequired ?? 0) > mr.approvedBy.length) return 'not_approved';
    return 'mergeable';
  }

  /** A pipeline's job; a trigger job's downstream pipeline is made with it (its own jobs, in its project). */
  function addJob(project: ProjectRecord, sha: string, job: FakeJob): Pipeline['jobs'][number] {
    const id = nextId++;
    if (!job.downstream) return { ...job, id };
    const target = job.downstream.project ? projectByPath(job.downstream.project) : project;
    const downstream: Pipeline = {
      id: nextId++,
      sha,
      status: job.downstream.status,
      jobs: job.downstream.jobs.map((child) => addJob(target, sha, child)),
      upstreamJob: id,
      ...(job.downstream.unreadable ? { unreadable: true } : {}),
    };
    const list = pipelines.get(target.id) ?? [];
    list.push(downstream);
    pipelines.set(target.id, list);
    return { ...job, id, status: job.status ?? job.downstream.status, downstreamId: downstream.id };
  }

  function headPipeline(project: ProjectRecord, sha: string): Pipeline | undefined {
    return (pipelines.get(project.id) ?? []).filter((pipeline) => pipeline.sha === sha && !pipeline.upstreamJob).at(-1);
  }

  async function mergeRequestView(mr: FakeMergeRequest, project: ProjectRecord, full: boolean) {
    const sha = (await branchHead(project.path, mr.sourceBranch)) ?? mr.mergeCommitSha ?? '';
    const draft = /^\s*draft:/i.test(mr.title);
    const pipeline = sha ? headPipeline(project, sha) : undefined;
    const detailed = await detailedStatus(mr, project);
    return {
      id: mr.id,
      iid: mr.iid,
      project_id: project.id,
      title: mr.title,
      description: mr.description,
      state: mr.state,
      draft,
      work_in_progress: draft,
      source_branch: mr.sourceBranch,
      target_branch: mr.targetBranch,
      labels: mr.labels,
      reviewers: mr.reviewerIds.map((id) => users.find((user) => user.id === id)).filter(Boolean),
      sha,
      merge_commit_sha: mr.mergeCommitSha ?? null,
      squash: mr.squash ?? false,
      merge_when_pipeline_succeeds: mr.mergeWhenPipelineSucceeds,
      detailed_merge_status: detailed,
      has_conflicts: detailed === 'conflict',
      user_notes_count: mr.notes.filter((note) => !note.system).length,
      updated_at: mr.updatedAt,
      web_url: mr.webUrl,
      ...(full
        ? { head_pipeline: pipeline ? { id: pipeline.id, sha: pipeline.sha, status: pipeline.status } : null }
        : {}),
    };
  }

  function view(project: ProjectRecord) {
    return {
      id: project.id,
      path: project.path.split('/').at(-1),
      path_with_namespace: project.path,
      name: project.path.split('/').at(-1),
      namespace: { full_path: namespaceOf(project) },
      archived: Boolean(project.archived),
      empty_repo: Boolean(project.empty),
      topics: project.topics ?? [],
      default_branch: 'main',
      web_url: `${url}/${project.path}`,
      http_url_to_repo: `${url}/${project.path}.git`,
      ...(project.fork ? { forked_from_project: { id: 9_999, path_with_namespace: 'upstream/original' } } : {}),
    };
  }

  function noteOn(
    mr: FakeMergeRequest,
    note: Pick<FakeNote, 'author' | 'body'> & Partial<Pick<FakeNote, 'system' | 'createdAt' | 'position'>>,
  ): FakeNote {
    const id = nextId++;
    const made: FakeNote = {
      id,
      system: false,
      createdAt: new Date().toISOString(),
      ...note,
      url: `${mr.webUrl}#note_${id}`,
    };
    mr.notes.push(made);
    touch(mr);
    return made;
  }

  function noteView(note: FakeNote) {
    return {
      id: note.id,
      type: note.position ? 'DiffNote' : null,
      body: note.body,
      author: userView(note.author),
      created_at: note.createdAt,
      updated_at: note.createdAt,
      system: note.system,
      noteable_type: 'MergeRequest',
      ...(note.position
        ? {
            position: {
              position_type: 'text',
              old_path: note.position.old_path ?? note.position.new_path,
              new_path: note.position.new_path,
              old_line: note.position.old_line ?? null,
              new_line: note.position.new_line ?? null,
            },
          }
        : {}),
    };
  }

  function jobView(project: ProjectRecord, pipeline: Pipeline, job: FakeJob & { id: number }) {
    return {
      id: job.id,
      name: job.name,
      stage: job.stage ?? 'test',
      status: job.status ?? 'failed',
      failure_reason: (job.status ?? 'failed') === 'failed' ? (job.failureReason ?? 'script_failure') : undefined,
      allow_failure: Boolean(job.allowFailure),
      pipeline: { id: pipeline.id, sha: pipeline.sha, status: pipeline.status },
      web_url: `${url}/${project.path}/-/jobs/${job.id}`,
    };
  }

  function bridgeView(
    project: ProjectRecord,
    pipeline: Pipeline,
    job: FakeJob & { id: number; downstreamId?: number },
  ) {
    const downstreamProject = job.downstream?.project ? projectByPath(job.downstream.project) : project;
    return {
      id: job.id,
      name: job.name,
      stage: job.stage ?? 'test',
      status: job.status ?? 'failed',
      allow_failure: Boolean(job.allowFailure),
      pipeline: { id: pipeline.id, sha: pipeline.sha, status: pipeline.status },
      downstream_pipeline: {
        id: job.downstreamId,
        project_id: downstreamProject.id,
        status: job.downstream?.status,
        web_url: `${url}/${downstreamProject.path}/-/pipelines/${job.downstreamId}`,
      },
    };
  }

  /** The merge request's changes per file, as `git diff` of its source on the merge base says them. */
  async function fileDiffs(mr: FakeMergeRequest, project: ProjectRecord) {
    const source = await branchHead(project.path, mr.sourceBranch);
    const target = await branchHead(project.path, mr.targetBranch);
    if (!source || !target) return [];
    const base = (await bareGit(project.path, 'merge-base', target, source)).trim();
    const names = (await bareGit(project.path, 'diff', '--name-only', base, source)).split('\n').filter(Boolean);
    return Promise.all(
      names.map(async (file) => {
        const patch = await bareGit(project.path, 'diff', '--no-color', base, source, '--', file);
        // GitLab's `diff` is the hunks, without git's header lines.
        const diff = patch.slice(Math.max(0, patch.indexOf('\n@@') + 1));
        return { old_path: file, new_path: file, diff };
      }),
    );
  }

  function userView(username: string) {
    const user = users.find((candidate) => candidate.username === username);
    return { id: user?.id ?? 0, username };
  }

  function touch(mr: FakeMergeRequest): void {
    mr.updatedAt = new Date().toISOString();
  }

  function page(response: ServerResponse, parsed: URL, items: unknown[]): void {
    const perPage = Math.min(Number(parsed.searchParams.get('per_page') ?? 20) || 20, options.pageSize ?? 100);
    const current = Math.max(1, Number(parsed.searchParams.get('page') ?? 1) || 1);
    const totalPages = Math.max(1, Math.ceil(items.length / perPage));
    const pageItems = items.slice((current - 1) * perPage, current * perPage);
    const at = (n: number) => {
      const link = new URL(parsed.pathname + parsed.search, url);
      link.searchParams.set('page', String(n));
      return link.toString();
    };
    const headers: Record<string, string> = {};
    const style = options.pagination ?? 'both';
    if (style !== 'link') {
      Object.assign(headers, {
        'x-page': String(current),
        'x-per-page': String(perPage),
        'x-total': String(items.length),
        'x-total-pages': String(totalPages),
        'x-next-page': current < totalPages ? String(current + 1) : '',
        'x-prev-page': current > 1 ? String(current - 1) : '',
      });
    }
    if (style !== 'x-next-page') {
      const links = [`<${at(1)}>; rel="first"`, `<${at(totalPages)}>; rel="last"`];
      if (current < totalPages) links.unshift(`<${at(current + 1)}>; rel="next"`);
      if (current > 1) links.unshift(`<${at(current - 1)}>; rel="prev"`);
      headers.link = links.join(', ');
    }
    send(response, 200, pageItems, headers);
  }

  /** Git over smart HTTP at `/{path}.git/…`, for the token as a Basic password (any user name). */
  async function git(request: IncomingMessage, response: ServerResponse, parsed: URL): Promise<void> {
    const basic = /^Basic (.+)$/.exec(request.headers.authorization ?? '');
    const password = basic ? Buffer.from(basic[1]!, 'base64').toString().split(':').slice(1).join(':') : undefined;
    if (password !== options.token) {
      response.writeHead(401, { 'www-authenticate': 'Basic realm="GitLab"' });
      response.end('HTTP Basic: Access denied\n');
      return;
    }
    await options.beforeGit?.({ method: request.method ?? '', path: parsed.pathname + parsed.search });
    serveGit(request, response, { root: options.root, pathInfo: parsed.pathname, user: 'oauth2' });
  }

  function namespaceOf(project: FakeProject): string {
    return project.path.slice(0, project.path.lastIndexOf('/'));
  }

  function bareGit(projectPath: string, ...args: string[]): Promise<string> {
    return run('git', ['--git-dir', path.join(options.root, `${projectPath}.git`), ...args], {
      env: {
        PATH: process.env.PATH,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        LC_ALL: 'C',
        GIT_AUTHOR_NAME: 'GitLab',
        GIT_AUTHOR_EMAIL: 'gitlab@example.com',
        GIT_COMMITTER_NAME: 'GitLab',
        GIT_COMMITTER_EMAIL: 'gitlab@example.com',
      },
    }).then(({ stdout }) => stdout);
  }

  /** The branch the bare repository's HEAD names, as GitLab's project says it. */
  async function defaultBranch(projectPath: string): Promise<string | null> {
    try {
      return (await bareGit(projectPath, 'symbolic-ref', '--short', 'HEAD')).trim() || null;
    } catch {
      return null;
    }
  }

  async function branchHead(projectPath: string, branch: string): Promise<string | undefined> {
    try {
      return (
        (await bareGit(projectPath, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`)).trim() ||
        undefined
      );
    } catch {
      return undefined;
    }
  }

  async function commitOf(project: ProjectRecord, shaOrBranch: string): Promise<string> {
    const sha = /^[0-9a-f]{40}$/.test(shaOrBranch) ? shaOrBranch : await branchHead(project.path, shaOrBranch);
    if (!sha) throw new Error(`${project.path} has no branch ${shaOrBranch}`);
    return sha;
  }

  function projectByPath(projectPath: string): ProjectRecord {
    const project = projects.find((candidate) => candidate.path.toLowerCase() === projectPath.toLowerCase());
    if (!project) throw new Error(`The fake GitLab has no project ${projectPath}`);
    return project;
  }

  url = await listenOnLoopback(server);

  return {
    url,
    options,
    mergeRequests,
    requests,
    deletedBranches,
    project: projectByPath,
    addMergeRequest(fields) {
      const project = projectByPath(fields.project);
      const iid = mergeRequests.filter((mr) => mr.projectId === project.id).length + 1;
      const mr: FakeMergeRequest = {
        id: nextId++,
        iid,
        projectId: project.id,
        title: 'A change',
        description: '',
        targetBranch: 'main',
        state: 'opened',
        labels: [],
        reviewerIds: [],
        notes: [],
        approvedBy: [],
        mergeWhenPipelineSucceeds: false,
        updatedAt: new Date().toISOString(),
        webUrl: `${url}/${project.path}/-/merge_requests/${iid}`,
        ...fields,
        project: project.path,
      };
      mergeRequests.push(mr);
      return mr;
    },
    mergeRequest: (projectPath, iid) =>
      mergeRequests.find((mr) => mr.project.toLowerCase() === projectPath.toLowerCase() && mr.iid === iid),
    async setPipeline(projectPath, shaOrBranch, status, jobs = []) {
      const project = projectByPath(projectPath);
      const sha = await commitOf(project, shaOrBranch);
      const id = nextId++;
      // Its trigger jobs' downstream pipelines first (they may be this project's), then it.
      const pipeline: Pipeline = { id, sha, status, jobs: jobs.map((job) => addJob(project, sha, job)) };
      const list = pipelines.get(project.id) ?? [];
      list.push(pipeline);
      pipelines.set(project.id, list);
      // "Merge when pipeline succeeds": the merge happens when it does.
      if (status === 'success') {
        for (const mr of mergeRequests.filter(
          (candidate) => candidate.projectId === project.id && candidate.mergeWhenPipelineSucceeds,
        )) {
          if (
            (await branchHead(project.path, mr.sourceBranch)) === sha &&
            (await detailedStatus(mr, project)) === 'mergeable'
          )
            await mergeForReal(mr, project);
        }
      }
    },
    async addCommitStatus(projectPath, shaOrBranch, status) {
      const project = projectByPath(projectPath);
      const sha = await commitOf(project, shaOrBranch);
      const list = externalStatuses.get(project.id) ?? [];
      list.push({ id: nextId++, sha, ...status });
      externalStatuses.set(project.id, list);
    },
    addNote(projectPath, iid, note) {
      const mr = mergeRequests.find(
        (candidate) => candidate.project.toLowerCase() === projectPath.toLowerCase() && candidate.iid === iid,
      );
      if (!mr) throw new Error(`The fake GitLab has no merge request ${projectPath}!${iid}`);
      return noteOn(mr, note);
    },
    approve(projectPath, iid, username) {
      const mr = mergeRequests.find(
        (candidate) => candidate.project.toLowerCase() === projectPath.toLowerCase() && candidate.iid === iid,
      );
      if (!mr) throw new Error(`The fake GitLab has no merge request ${projectPath}!${iid}`);
      if (!mr.approvedBy.includes(username)) mr.approvedBy.push(username);
      touch(mr);
    },
    branchHead: (projectPath, branch) => branchHead(projectByPath(projectPath).path, branch),
    rateLimitNext(prefix, retryAfterSeconds = 1) {
      limitNext = { prefix, retryAfter: retryAfterSeconds };
    },
    rateLimited: () => rateLimited,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function labelsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string')
    return value
      .split(',')
      .map((label) => label.trim())
      .filter(Boolean);
  return [];
}

async function readBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return {};
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return Object.fromEntries(new URLSearchParams(text));
  }
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const window = Math.ceil(Date.now() / 60_000) * 60;
  response.writeHead(status, {
    'content-type': 'application/json',
    'ratelimit-limit': '2000',
    'ratelimit-observed': '1',
    'ratelimit-remaining': '1999',
    'ratelimit-reset': String(window),
    ...headers,
  });
  response.end(status === 204 || body === undefined ? undefined : JSON.stringify(body));
}
