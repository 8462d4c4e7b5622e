import { parseArgs } from 'node:util';
import { parseRepositoryList } from '../common/jobDraft';
import { describeIssues, ResolveRepositoriesRequest } from '../common/schemas';
import { connect, type Connection, usageError } from './connect';
import { QUERY_OPTIONS, QUERY_USAGE, queryFromFlags } from './queryFlags';
import { printJson, say, sayError } from './terminal';

// `cody-batch repos <query flags>`: the preview of a query. The server resolves it on its code host
// (the client needs no token) and creates nothing. The names go to stdout, one a line, ready for
// `--repos-file`; the count and the notes to stderr.

const REPOS_USAGE = `Usage: cody-batch repos <query flags> [--repos owner/a,owner/b]
${QUERY_USAGE}
  --repos <list>         names to add to what the query chooses (as \`run\` would)
  --json                 the resolution as JSON ({count, repositories, notes})`;

export async function repos(args: string[], connection: Connection): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        ...QUERY_OPTIONS,
        repos: { type: 'string', multiple: true },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    return usageError(error, REPOS_USAGE);
  }
  if (values.help) {
    say(REPOS_USAGE);
    return 0;
  }
  const repositoryQuery = queryFromFlags(values);
  if (!repositoryQuery)
    return usageError(new Error('give a query: --owner, --topic, --search or --code-search'), REPOS_USAGE);
  const listed = (values.repos ?? []).flatMap(parseRepositoryList);
  const request = ResolveRepositoriesRequest.safeParse({
    repositoryQuery,
    ...(listed.length ? { repositories: listed } : {}),
  });
  if (!request.success) return usageError(new Error(describeIssues(request.error)), REPOS_USAGE);
  const resolution = await (await connect(connection)).resolveRepositories(request.data);
  if (values.json) {
    printJson(resolution);
    return 0;
  }
  for (const name of resolution.repositories) say(name);
  sayError(`${resolution.count} ${resolution.count === 1 ? 'repository' : 'repositories'}`);
  for (const note of resolution.notes ?? []) sayError(`  ${note}`);
  return 0;
}
