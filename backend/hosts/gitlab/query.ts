import type { RepositoryQuery } from '../../../common/schemas';
import { HostRateLimited, HostRefusal, HostUnavailable, type QueryResolution } from '../codeHost';
import { mapLimited } from '../mapLimited';
import { applyQueryFilters, plural } from '../queryFilters';
import { type GitLabClient, GitLabError } from './client';

// A repository query on GitLab. Each source given (owners' projects, a project search, a code
// search; topics alone are a listing per topic) yields a set, and a project must be in every one
// of them; then the filters. An owner is a group with all its subgroups, a subgroup
// (`acme/platform`), or a user's namespace. Archived projects and forks are left out unless asked
// for, projects only shared into a group always are, and empty ones are skipped. Every listing is
// read to its end, page after page.

/** What a listing tells of a project (GitLab's field names). */
interface Project {
  id: number;
  path_with_namespace: string;
  archived?: boolean;
  empty_repo?: boolean;
  forked_from_project?: unknown;
  topics?: string[];
  tag_list?: string[];
}

interface Blob {
  project_id: number;
  path?: string;
}

export async function resolveOnGitLab(gitlab: GitLabClient, query: RepositoryQuery): Promise<QueryResolution> {
  try {
    return await resolve(gitlab, query);
  } catch (error) {
    throw asHostError(error);
  }
}

async function resolve(gitlab: GitLabClient, query: RepositoryQuery): Promise<QueryResolution> {
  const notes: string[] = [];
  const sources: Map<string, Project>[] = [];
  if (query.owners) sources.push(await ownersProjects(gitlab, query.owners, notes));
  if (query.search) sources.push(keyed(await gitlab.all<Project>('/projects', { search: query.search, ...LISTING })));
  if (query.codeSearch) sources.push(await codeSearchProjects(gitlab, query.codeSearch, query.owners, notes));
  const topicsAreSource = query.topics !== undefined && sources.length === 0;
  if (topicsAreSource) {
    // GitLab's `topic` matches projects with all the topics given: one listing per topic for any.
    const union = new Map<string, Project>();
    for (const topic of query.topics!) {
      for (const [key, project] of keyed(await gitlab.all<Project>('/projects', { topic, ...LISTING })))
        union.set(key, project);
    }
    sources.push(union);
  }
  const [first, ...others] = sources;
  const candidates = [...first!.values()].filter((project) =>
    others.every((source) => source.has(project.path_with_namespace.toLowerCase())),
  );
  const needsTopics = query.topics !== undefined && !topicsAreSource;
  const facts = candidates.map((project) => ({
    name: project.path_with_namespace,
    archived: !!project.archived,
    fork: !!project.forked_from_project,
    empty: !!project.empty_repo,
    topics: topicsOf(project),
  }));
  const filtered = applyQueryFilters(query, facts, needsTopics, { one: 'project', many: 'projects' });
  return { repositories: filtered.repositories, notes: [...notes, ...filtered.notes] };
}

/** Listings ask for what the filters read and no more (`simple` leaves out `forked_from_project`). */
const LISTING = { order_by: 'id', sort: 'asc' } as const;

/** Every project of each owner: a group's and its subgroups', or else a user's. */
async function ownersProjects(gitlab: GitLabClient, owners: string[], notes: string[]): Promise<Map<string, Project>> {
  const found = new Map<string, Project>();
  let shared = 0;
  for (const owner of owners) {
    let listed: Project[];
    try {
      listed = await gitlab.all<Project>(`/groups/${encodeURIComponent(owner)}/projects`, {
        include_subgroups: true,
        with_shared: true,
        ...LISTING,
      });
      // Shared into the group from elsewhere: not the group's to change.
      const prefix = `${owner.toLowerCase()}/`;
      const own = listed.filter((project) => project.path_with_namespace.toLowerCase().startsWith(prefix));
      shared += listed.length - own.length;
      listed = own;
    } catch (error) {
      if (!(error instanceof GitLabError) || error.status !== 404) throw error;
      if (owner.includes('/')) throw new HostRefusal(`GitLab has no group "${owner}": check owners`);
      try {
        listed = await gitlab.all<Project>(`/users/${encodeURIComponent(owner)}/projects`, LISTING);
      } catch (userError) {
        if (userError instanceof GitLabError && userError.status === 404)
          throw new HostRefusal(`GitLab has no group or user "${owner}": check owners`);
        throw userError;
      }
    }
    for (const project of listed) found.set(project.path_with_namespace.toLowerCase(), project);
  }
  if (shared)
    notes.push(`${plural(shared, 'project', 'projects')} only shared into the group left out (they belong elsewhere)`);
  return found;
}

/**
 * The projects holding a match of a code search: the owners' groups' search, or the instance's.
 * Searching code across projects needs GitLab's advanced (or exact code) search; an instance
 * without it refuses, and so do we, saying what to use instead.
 */
async function codeSearchProjects(
  gitlab: GitLabClient,
  search: string,
  owners: string[] | undefined,
  notes: string[],
): Promise<Map<string, Project>> {
  const scopes = owners ? owners.map((owner) => `/groups/${encodeURIComponent(owner)}/search`) : ['/search'];
  const ids = new Set<number>();
  let files = 0;
  for (const scope of scopes) {
    let blobs: Blob[];
    try {
      blobs = await gitlab.all<Blob>(scope, { scope: 'blobs', search });
    } catch (error) {
      if (error instanceof GitLabError && (error.status === 400 || error.status === 403))
        throw new HostRefusal(
          `GitLab refused the code search "${search}" (${error.message}): searching code across ` +
            `projects needs GitLab's advanced search, which this instance does not offer here. ` +
            `Choose by owners or topics, and narrow with include and exclude`,
        );
      throw error;
    }
    for (const blob of blobs) {
      files++;
      ids.add(blob.project_id);
    }
  }
  // A blob names its project by id: the project's facts are one request each.
  const projects = await mapLimited([...ids], 8, (id) => gitlab.find<Project>(`/projects/${id}`));
  const found = keyed(projects.filter((project): project is Project => project !== undefined));
  notes.push(
    `The code search matched ${plural(files, 'file', 'files')} in ${plural(found.size, 'project', 'projects')}`,
  );
  return found;
}

function keyed(projects: Project[]): Map<string, Project> {
  return new Map(projects.map((project) => [project.path_with_namespace.toLowerCase(), project]));
}

/** GitLab 14.0 renamed `tag_list` to `topics`. */
function topicsOf(project: Project): string[] {
  return project.topics ?? project.tag_list ?? [];
}

/** GitLab's answers as the API's: what the caller can change is a refusal, the rest is GitLab being unavailable. */
function asHostError(error: unknown): Error {
  if (error instanceof HostRefusal || error instanceof HostUnavailable || error instanceof HostRateLimited)
    return error;
  if (error instanceof GitLabError) {
    if (error.status === 400 || error.status === 422)
      return new HostRefusal(`GitLab refused the query: ${error.message}`);
    if (error.status === 401 || error.status === 403)
      return new HostUnavailable(`GitLab refused the server's credentials (${error.message}): check GITLAB_TOKEN`);
    return new HostUnavailable(`GitLab answered the query with HTTP ${error.status}: ${error.message}`);
  }
  return new HostUnavailable(`GitLab could not be reached: ${(error as Error).message}`);
}
