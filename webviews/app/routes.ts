// The web app's pages and their addresses. Routes live in the fragment (`#/jobs/…`): the API owns
// the paths (`/jobs/…` is a REST route on the same origin locally), and a fragment never reaches a
// server, CloudFront's cache or its logs. Every page has an address of its own, to paste into a chat;
// the browser's back button walks them.

export type RepositoryPage = 'diff' | 'thread' | 'log';

export interface RepositoryRoute {
  page: RepositoryPage;
  jobId: string;
  repositoryName: string;
  attempt?: number;
  /** A diff page showing a change group: its representative's diff with its members. */
  group?: string;
  /** A diff page showing an earlier revision of the patch (0: the worker's own diff). */
  revision?: number;
}

export type Route =
  | { page: 'jobs'; pageToken?: string }
  | { page: 'job'; jobId: string }
  | RepositoryRoute
  | { page: 'create' }
  | { page: 'notFound'; hash: string };

const ID = '([^/?#]{1,200})';
/** A repository name in one segment: up to 255 characters, each of its 21 slashes three in an address (`%2F`). */
const REPOSITORY = '([^/?#]{1,400})';

export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?', 2);
  const params = new URLSearchParams(query);
  if (path === '' || path === '/' || path === '/jobs') {
    const pageToken = params.get('page') ?? undefined;
    return pageToken ? { page: 'jobs', pageToken } : { page: 'jobs' };
  }
  if (path === '/create') return { page: 'create' };
  let match = new RegExp(`^/jobs/${ID}$`).exec(path);
  if (match) return { page: 'job', jobId: decode(match[1]!) };
  match = new RegExp(`^/jobs/${ID}/repositories/${REPOSITORY}/(diff|thread|log)$`).exec(path);
  if (match) {
    const attempt = Number(params.get('attempt'));
    const group = params.get('group') ?? '';
    const revision = params.has('revision') ? Number(params.get('revision')) : Number.NaN;
    const page = match[3] as RepositoryPage;
    return {
      page,
      jobId: decode(match[1]!),
      repositoryName: decode(match[2]!),
      ...(Number.isInteger(attempt) && attempt >= 1 ? { attempt } : {}),
      ...(page === 'diff' && /^[0-9a-f]{64}$/.test(group) ? { group } : {}),
      ...(page === 'diff' && Number.isInteger(revision) && revision >= 0 && revision <= 10_000 ? { revision } : {}),
    };
  }
  return { page: 'notFound', hash };
}

export function routeHref(route: Route): string {
  switch (route.page) {
    case 'jobs':
      return route.pageToken ? `#/jobs?page=${encodeURIComponent(route.pageToken)}` : '#/jobs';
    case 'job':
      return `#/jobs/${encodeURIComponent(route.jobId)}`;
    case 'create':
      return '#/create';
    case 'notFound':
      return route.hash;
    default: {
      const base = `#/jobs/${encodeURIComponent(route.jobId)}/repositories/${encodeURIComponent(route.repositoryName)}/${route.page}`;
      const query = new URLSearchParams();
      if (route.attempt) query.set('attempt', String(route.attempt));
      if (route.group) query.set('group', route.group);
      if (route.revision !== undefined) query.set('revision', String(route.revision));
      const text = query.toString();
      return text ? `${base}?${text}` : base;
    }
  }
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
