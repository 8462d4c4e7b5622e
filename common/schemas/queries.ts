import * as z from 'zod';
import { nameFilterProblem } from '../repositoryQuery';
import { RepositoryStatus } from '../status';
import { OwnerName, RepositoryName } from './fields';
import { SingleLine, WholeNumberParam } from './text';

// Choosing repositories by query (POST /repositories/resolve), and the query strings of list and
// artifact reads.

const NameFilter = z.string().superRefine((value, ctx) => {
  const problem = nameFilterProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * `repositoryQuery`: repositories chosen by the code host. Every field given narrows the choice: a
 * repository must belong to one of `owners`, carry one of `topics`, match `search`, hold a match
 * of `codeSearch`, and have an `owner/name` that matches `include` and not `exclude`. Archived
 * repositories and forks are left out unless asked for; empty repositories always are.
 */
export const RepositoryQuery = z
  .strictObject({
    owners: z.array(OwnerName).min(1, { error: 'must name at least one owner' }).max(100).optional(),
    topics: z
      .array(
        z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$/, {
          error: 'is not a topic (letters, digits, `.`, `_` and `-`, at most 50)',
        }),
      )
      .min(1, { error: 'must name at least one topic' })
      .max(20)
      .optional(),
    search: SingleLine(256).optional(),
    codeSearch: SingleLine(256).optional(),
    include: NameFilter.optional(),
    exclude: NameFilter.optional(),
    includeArchived: z.boolean().default(false),
    includeForks: z.boolean().default(false),
  })
  .refine((query) => Boolean(query.owners || query.topics || query.search || query.codeSearch), {
    error: 'give at least one of owners, topics, search or codeSearch',
  });
export type RepositoryQuery = z.infer<typeof RepositoryQuery>;
export type RepositoryQueryInput = z.input<typeof RepositoryQuery>;

/** The body of `POST /repositories/resolve`: what `POST /jobs` would run, without creating it. */
export const ResolveRepositoriesRequest = z.strictObject({
  repositoryQuery: RepositoryQuery,
  repositories: z.array(RepositoryName).optional(),
});
export type ResolveRepositoriesRequest = z.input<typeof ResolveRepositoriesRequest>;

/** Which code host the server's repositories are on (`GET /repositories/host`): clients use its words. */
export const CodeHostInfo = z.object({
  kind: z.enum(['github', 'gitlab', 'folder']),
  /** Whether it opens pull requests (GitLab's merge requests). */
  pullRequests: z.boolean(),
});
export type CodeHostInfo = z.infer<typeof CodeHostInfo>;

/** The answer of `POST /repositories/resolve`. */
export const RepositoryResolution = z.object({
  count: z.number().int(),
  repositories: z.array(z.string()),
  notes: z.array(z.string()).optional(),
});
export type RepositoryResolution = z.infer<typeof RepositoryResolution>;

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextToken: z.string().optional() });
}

export const ListQuery = z.object({
  limit: WholeNumberParam(1, 100).default(25),
  nextToken: z.string().min(1).max(2048).optional(),
});
export type ListQuery = z.infer<typeof ListQuery>;

export const RepositoryListQuery = ListQuery.extend({
  status: RepositoryStatus.optional(),
  limit: ListQuery.shape.limit.default(100),
});

/** `?attempt=N` on a repository's diff, thread and log: an earlier attempt's (default: the current one). */
export const ArtifactQuery = z.object({
  attempt: WholeNumberParam(1).optional(),
});

/**
 * `?failed=1` on a diff: the change of a command job whose verification failed, which is kept to be
 * read (a plain request answers 409 NO_DIFF, so no client applies it by mistake).
 */
export const DiffQuery = ArtifactQuery.extend({
  /** The patch revision (0: the worker's own diff); default the current one. */
  revision: WholeNumberParam(0).optional(),
  failed: z
    .enum(['1', 'true'], { error: 'must be 1 or true' })
    .optional()
    .transform((value) => value !== undefined),
});
