import { connect, type Connection } from './connect';

/**
 * `cody-batch diff <jobId> <owner/name>`: the repository's patch on stdout (for `git apply`), and
 * on stderr its digest, which `cody-batch review … --approve --digest` sends back: what is approved
 * is the patch that was read.
 */
export async function diff(args: string[], connection: Connection): Promise<number> {
  const [jobId, repository] = args;
  if (!jobId || !repository) {
    console.error('Usage: cody-batch diff <jobId> <owner/name>');
    return 2;
  }
  const { patch, digest } = await (await connect(connection)).getDiff(jobId, repository);
  if (patch === undefined) {
    console.error(`${repository} made no changes.`);
    return 0;
  }
  process.stdout.write(patch);
  console.error(
    `Patch sha256 ${digest}  (approve it: cody-batch review ${jobId} ${repository} --approve --digest ${digest})`,
  );
  return 0;
}
