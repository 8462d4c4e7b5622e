import type { RepositoryQueryInput } from '../common/schemas';

// The flags that choose repositories by query, shared by `cody-batch run` and `cody-batch repos`,
// as multi-gitter users write them: repeatable, and a comma-separated list counts as several.

export const QUERY_OPTIONS = {
  owner: { type: 'string', multiple: true },
  // GitLab's word for an owner: a group (with its subgroups) or a subgroup's path.
  group: { type: 'string', multiple: true },
  topic: { type: 'string', multiple: true },
  search: { type: 'string' },
  'code-search': { type: 'string' },
  include: { type: 'string' },
  exclude: { type: 'string' },
  'include-archived': { type: 'boolean' },
  'include-forks': { type: 'boolean' },
} as const;

export const QUERY_USAGE = `  --owner <org|user>     every repository of an organisation or user (repeatable, or a,b)
  --group <group>        the same as --owner, in GitLab's word: a group with its subgroups, or a subgroup acme/platform
  --topic <topic>        repositories with this topic (repeatable, or a,b)
  --search <query>       the code host's repository search, e.g. "org:acme language:go"
  --code-search <query>  repositories holding a match of this code search
  --include <regex>      keep only owner/name (a project's whole path) matching it;  --exclude <regex>: leave those out
  --include-archived     keep archived repositories;  --include-forks: keep forks (both left out by default)`;

/** Each query field's flag, for messages in the user's words. */
export const QUERY_FLAGS: Record<string, string> = {
  owners: '--owner',
  topics: '--topic',
  search: '--search',
  codeSearch: '--code-search',
  include: '--include',
  exclude: '--exclude',
};

export interface QueryValues {
  owner?: string[];
  group?: string[];
  topic?: string[];
  search?: string;
  'code-search'?: string;
  include?: string;
  exclude?: string;
  'include-archived'?: boolean;
  'include-forks'?: boolean;
}

/** `a,b` and repeated flags as one list. */
export function listFlag(values: string[] | undefined): string[] | undefined {
  const items = (values ?? []).flatMap((value) => value.split(',')).map((item) => item.trim());
  return items.length ? items.filter((item) => item.length > 0) : undefined;
}

/** The repositoryQuery the flags give, or undefined when no query flag was given. */
export function queryFromFlags(values: QueryValues): RepositoryQueryInput | undefined {
  const query: RepositoryQueryInput = {
    owners: listFlag([...(values.owner ?? []), ...(values.group ?? [])]),
    topics: listFlag(values.topic),
    search: values.search,
    codeSearch: values['code-search'],
    include: values.include,
    exclude: values.exclude,
  };
  if (values['include-archived']) query.includeArchived = true;
  if (values['include-forks']) query.includeForks = true;
  const given = Object.entries(query).filter(([, value]) => value !== undefined);
  return given.length ? (Object.fromEntries(given) as RepositoryQueryInput) : undefined;
}
