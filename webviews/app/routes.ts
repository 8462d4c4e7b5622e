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
}

export type Route =
  | { page: 'jobs'; pageToken?: string }
  | { page: 'job'; jobId: string }
  | RepositoryRoute
  | { page: 'create' }
  | { page: 'notFound'; hash: string };

const ID = '([^/?#]{1,200})';

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
  match = new RegExp(`^/jobs/${ID}/repositories/${ID}/(diff|thread|log)$`).exec(path);
  if (match) {
    const attempt = Number(params.get('attempt'));
    return {
      page: match[3] as RepositoryPage,
      jobId: decode(match[1]!),
      repositoryName: decode(match[2]!),
      ...(Number.isInteger(attempt) && attempt >= 1 ? { attempt } : {}),
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
      return route.attempt ? `${base}?attempt=${route.attempt}` : base;
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
