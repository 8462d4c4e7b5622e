import { CodeHostInfo, RepositoryResolution, ResolveRepositoriesRequest } from '../../../common/schemas';
import type { ApiDependencies, ApiLimits } from '../context';
import { readJson } from '../middleware/body';
import { DocumentedRoutes } from '../openapi/operation';
import { checkHostNames } from '../hostNames';
import { resolveRepositories } from '../resolveRepositories';

/**
 * `POST /repositories/resolve`: what a job's repositoryQuery (plus its listed names) would run,
 * creating nothing; `GET /repositories/host`: which code host that is, so clients use its words.
 */
export function resolveRoutes(deps: ApiDependencies, limits: ApiLimits): DocumentedRoutes {
  const routes = new DocumentedRoutes('/repositories', 'jobs');
  routes.on(
    {
      operationId: 'getCodeHost',
      method: 'get',
      path: '/repositories/host',
      summary: 'Which code host the repositories are on, and whether it opens pull requests',
      responses: { 200: { description: 'The code host', json: { name: 'CodeHostInfo', schema: CodeHostInfo } } },
    },
    (c) => {
      const host = deps.codeHost;
      const answer: CodeHostInfo = host
        ? { kind: host.kind, pullRequests: host.pullRequests.supported }
        : { kind: 'github', pullRequests: false };
      return c.json(answer);
    },
  );
  routes.on(
    {
      operationId: 'resolveRepositories',
      method: 'post',
      path: '/repositories/resolve',
      summary: 'What a job with this repositoryQuery would run; creates nothing',
      body: {
        name: 'ResolveRepositoriesRequest',
        schema: ResolveRepositoriesRequest,
        example: { repositoryQuery: { owners: ['acme'], include: '^acme/(widgets|gadgets)$' } },
      },
      responses: {
        200: {
          description: 'The repositories, resolved as POST /jobs would',
          json: { name: 'RepositoryResolution', schema: RepositoryResolution },
        },
      },
      errors: ['QUERY_REFUSED', 'HOST_UNAVAILABLE'],
    },
    async (c) => {
      const request = await readJson(c, ResolveRepositoriesRequest);
      const listed = request.repositories ?? [];
      checkHostNames(deps.codeHost, { repositories: listed, owners: request.repositoryQuery.owners });
      const { repositories, notes } = await resolveRepositories(
        deps.codeHost,
        request.repositoryQuery,
        listed,
        limits.maxRepositories,
      );
      const answer: RepositoryResolution = { count: repositories.length, repositories };
      if (notes.length) answer.notes = notes;
      return c.json(answer);
    },
  );
  return routes;
}
