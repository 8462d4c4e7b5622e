import { connect, type Connection } from './connect';
import { say, sayError } from './terminal';

/**
 * `cody-batch log <jobId> <owner/name> [--attempt <n>]`: a repository's run log: each step, the
 * commands' output, what the command sandbox held to (or that it was missing) and what it refused.
 */
export async function log(args: string[], connection: Connection): Promise<number> {
  const at = args.indexOf('--attempt');
  const attempt = at >= 0 ? Number(args[at + 1]) : undefined;
  const [jobId, repository, ...extra] = args.filter((_, i) => at < 0 || (i !== at && i !== at + 1));
  if (
    !jobId ||
    !repository ||
    extra.length ||
    (attempt !== undefined && !(Number.isInteger(attempt) && attempt >= 1))
  ) {
    sayError('Usage: cody-batch log <jobId> <owner/name> [--attempt <n>]');
    return 2;
  }
  const text = await (await connect(connection)).getLog(jobId, repository, attempt ? { attempt } : {});
  say(text.endsWith('\n') ? text.slice(0, -1) : text);
  return 0;
}
