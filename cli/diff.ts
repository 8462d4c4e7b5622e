import { parseArgs } from 'node:util';
import { connect, type Connection, usageError } from './connect';
import { sayError, writeData } from './terminal';

const DIFF_USAGE = 'Usage: cody-batch diff <jobId> <owner/name> [--raw]';

/**
 * `cody-batch diff <jobId> <owner/name>`: the repository's patch on stdout, for `git apply`: byte
 * for byte when piped; on a terminal its control characters are shown escaped (`--raw`: as they
 * are). On stderr its digest, which `cody-batch review … --approve --digest` sends back: what is
 * approved is the patch that was read.
 */
export async function diff(args: string[], connection: Connection): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: { raw: { type: 'boolean' } }; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args, options: { raw: { type: 'boolean' } }, allowPositionals: true, strict: true });
  } catch (error) {
    return usageError(error, DIFF_USAGE);
  }
  const [jobId, repository, ...extra] = parsed.positionals;
  if (!jobId || !repository || extra.length) return usageError(new Error('give a job id and a repository'), DIFF_USAGE);
  const { patch, bytes, digest } = await (await connect(connection)).getDiff(jobId, repository);
  if (patch === undefined) {
    sayError(`${repository} made no changes.`);
    return 0;
  }
  writeData(patch, bytes, { raw: parsed.values.raw });
  sayError(
    `Patch sha256 ${digest}  (approve it: cody-batch review ${jobId} ${repository} --approve --digest ${digest})`,
  );
  return 0;
}
