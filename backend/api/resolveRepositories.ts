import { mergeRepositoryLists } from '../../common/repositoryQuery';
import type { RepositoryQuery } from '../../common/schemas';
import { type CodeHost, HostRefusal, HostUnavailable } from '../hosts';
import { RequestError } from './middleware/errors';

// A job's repositories from its listed names and its query, resolved on the code host with the
// server's token, so that clients never need one. POST /jobs and POST /repositories/resolve share it:
// the preview is exactly what a create would run.

export interface Resolved {
  /** The listed names, then the query's that are not among them (compared case-insensitively). */
  repositories: string[];
  /** What the query alone resolved to. */
  resolved: string[];
  notes: string[];
}

export async function resolveRepositories(
  host: CodeHost | undefined,
  query: RepositoryQuery,
  listed: readonly string[],
  maxRepositories: number,
): Promise<Resolved> {
  if (!host) {
    throw new RequestError(
      'QUERY_REFUSED',
      'This server has no code host to resolve a repositoryQuery on: name the repositories in repositories',
    );
  }
  let resolution;
  try {
    resolution = await host.resolveQuery(query);
  } catch (error) {
    if (error instanceof HostRefusal) throw new RequestError('QUERY_REFUSED', error.message);
    if (error instanceof HostUnavailable) throw new RequestError('HOST_UNAVAILABLE', error.message);
    throw error;
  }
  const notes = resolution.notes;
  if (resolution.repositories.length === 0) {
    throw new RequestError(
      'QUERY_REFUSED',
      `The repositoryQuery matches no repositories on ${host.label}${notes.length ? ` (${notes.join('; ')})` : ''}: change it`,
    );
  }
  const repositories = mergeRepositoryLists(listed, resolution.repositories);
  if (repositories.length > maxRepositories) {
    const count = resolution.repositories.length.toLocaleString('en-US');
    const withListed =
      listed.length > 0 ? ` (${repositories.length.toLocaleString('en-US')} with the ones listed)` : '';
    throw new RequestError(
      'QUERY_REFUSED',
      `The repositoryQuery matches ${count} repositories${withListed}, more than a job may run ` +
        `(${maxRepositories.toLocaleString('en-US')}): narrow it (include, exclude, fewer owners ` +
        `or topics) or split it over several jobs`,
    );
  }
  return { repositories, resolved: resolution.repositories, notes };
}
