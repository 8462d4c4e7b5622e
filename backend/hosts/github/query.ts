import type { RepositoryQuery } from '../../../common/schemas';
import { HostRefusal, HostUnavailable, type QueryResolution } from '../codeHost';
import { mapLimited } from '../mapLimited';
import { applyQueryFilters, plural } from '../queryFilters';
import { type GitHubClients, githubMessage, statusOf } from './client';

// A repository query on GitHub. Each source given (owners' repositories, a repository search, a
// code search; topics alone are a search of `topic:`) yields a set, and a repository must be in
// every one of them; then the filters. Every list is read to its end through Link pagination, and a
// search that GitHub caps (1,000 results) or cut short is refused, never silently truncated.

/** GitHub returns at most this many results of one search. */
export const GITHUB_SEARCH_CAP = 1_000;

/** What the listings and searches tell of a repository; fields a source leaves out are fetched. */
interface Facts {
  full_name: string;
  archived?: boolean;
  fork?: boolean;
  size?: number;
  topics?: string[];
}

export async function resolveOnGitHub(github: GitHubClients, query: RepositoryQuery): Promise<QueryResolution> {
  try {
    return await resolve(github, query);
  } catch (error) {
    throw asHostError(error);
  }
}

async function resolve(github: GitHubClients, query: RepositoryQuery): Promise<QueryResolution> {
  const notes: string[] = [];
  const sources: Map<string, Facts>[] = [];
  if (query.owners) sources.push(await ownersRepositories(github, query.owners));
  if (query.search) sources.push(await searchRepositories(github, query.search));
  if (query.codeSearch) sources.push(await codeSearchRepositories(github, query.codeSearch, notes));
  const topicsAreSource = query.topics !== undefined && sources.length === 0;
  if (topicsAreSource) {
    // One search per topic: a repository with any of them.
    const union = new Map<string, Facts>();
    for (const topic of query.topics!) {
      for (const [key, facts] of await searchRepositories(github, `topic:${topic}`)) union.set(key, facts);
    }
    sources.push(union);
  }

  const [first, ...others] = sources;
  const candidates = [...first!.values()].filter((facts) =>
    others.every((source) => source.has(facts.full_name.toLowerCase())),
  );
  // Fill in what a source did not say (code search's repositories carry few fields).
  const needsTopics = query.topics !== undefined && !topicsAreSource;
  const complete = await mapLimited(candidates, 8, async (facts) =>
    facts.archived === undefined ||
    facts.fork === undefined ||
    facts.size === undefined ||
    (needsTopics && !facts.topics)
      ? await repositoryFacts(github, facts.full_name)
      : facts,
  );

  const facts = complete.map((each) => ({
    name: each.full_name,
    archived: !!each.archived,
    fork: !!each.fork,
    empty: each.size === 0,
    topics: each.topics ?? [],
  }));
  const filtered = applyQueryFilters(query, facts, needsTopics, { one: 'repository', many: 'repositories' });
  return { repositories: filtered.repositories, notes: [...notes, ...filtered.notes] };
}

/** Every repository of each owner: an organisation's, or failing that a user's. */
async function ownersRepositories(clients: GitHubClients, owners: string[]): Promise<Map<string, Facts>> {
  const found = new Map<string, Facts>();
  for (const owner of owners) {
    const github = await clients.forOwner(owner);
    let listed: Facts[];
    try {
      listed = await github.paginate(github.rest.repos.listForOrg, { org: owner, type: 'all', per_page: 100 });
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
      try {
        listed = await github.paginate(github.rest.repos.listForUser, {
          username: owner,
          type: 'owner',
          per_page: 100,
        });
      } catch (userError) {
        if (statusOf(userError) === 404)
          throw new HostRefusal(`GitHub has no organisation or user "${owner}": check owners`);
        throw userError;
      }
    }
    for (const facts of listed) found.set(facts.full_name.toLowerCase(), pick(facts));
  }
  return found;
}

/** A search runs once per client (a GitHub App's installation each sees its own repositories), results joined. */
async function searchRepositories(clients: GitHubClients, q: string): Promise<Map<string, Facts>> {
  const found = new Map<string, Facts>();
  for (const github of await clients.forSearch()) {
    let first = true;
    for await (const page of github.paginate.iterator(github.rest.search.repos, { q, per_page: 100 })) {
      if (first) checkCap(page.data as unknown as SearchPage, `The repository search "${q}"`, 'repositories');
      first = false;
      for (const facts of page.data) found.set(facts.full_name.toLowerCase(), pick(facts));
    }
  }
  return found;
}

async function codeSearchRepositories(clients: GitHubClients, q: string, notes: string[]): Promise<Map<string, Facts>> {
  const found = new Map<string, Facts>();
  let files = 0;
  for (const github of await clients.forSearch()) {
    let first = true;
    for await (const page of github.paginate.iterator(github.rest.search.code, { q, per_page: 100 })) {
      if (first) checkCap(page.data as unknown as SearchPage, `The code search "${q}"`, 'files');
      first = false;
      for (const item of page.data) {
        files++;
        const key = item.repository.full_name.toLowerCase();
        if (!found.has(key)) found.set(key, pick(item.repository as Partial<Facts> & { full_name: string }));
      }
    }
  }
  notes.push(
    `The code search matched ${plural(files, 'file', 'files')} in ${plural(found.size, 'repository', 'repositories')}`,
  );
  return found;
}

interface SearchPage {
  total_count?: number;
  incomplete_results?: boolean;
}

/** Refuses a search GitHub cannot give in full: over its cap, or cut short by its own time limit. */
function checkCap(page: SearchPage, what: string, unit: string): void {
  const total = page.total_count ?? 0;
  if (total > GITHUB_SEARCH_CAP) {
    throw new HostRefusal(
      `${what} matches ${total.toLocaleString('en-US')} ${unit}, and GitHub returns at most ` +
        `${GITHUB_SEARCH_CAP.toLocaleString('en-US')} results of a search: narrow it (add ` +
        `qualifiers such as org:, language: or topic:), or choose by owners instead`,
    );
  }
  if (page.incomplete_results) {
    throw new HostRefusal(
      `${what} timed out on GitHub, which returned incomplete results: narrow it (add qualifiers such as org:, language: or topic:) and try again`,
    );
  }
}

async function repositoryFacts(clients: GitHubClients, fullName: string): Promise<Facts> {
  const [owner, repo] = fullName.split('/') as [string, string];
  const github = await clients.forOwner(owner);
  const { data } = await github.rest.repos.get({ owner, repo });
  return pick(data);
}

function pick(facts: Partial<Facts> & { full_name: string }): Facts {
  return {
    full_name: facts.full_name,
    archived: facts.archived,
    fork: facts.fork,
    size: facts.size,
    topics: facts.topics,
  };
}

/** GitHub's answers as the API's: what the caller can change is a refusal, the rest is GitHub being unavailable. */
function asHostError(error: unknown): Error {
  if (error instanceof HostRefusal || error instanceof HostUnavailable) return error;
  const status = statusOf(error);
  if (status === 422) return new HostRefusal(`GitHub refused the query: ${githubMessage(error)}`);
  if (status === 401)
    return new HostUnavailable(
      `GitHub refused the server's credentials (${githubMessage(error)}); code search needs the server's token (GITHUB_TOKEN)`,
    );
  if (status !== undefined)
    return new HostUnavailable(`GitHub answered the query with HTTP ${status}: ${githubMessage(error)}`);
  return new HostUnavailable(`GitHub could not be reached: ${(error as Error).message}`);
}
