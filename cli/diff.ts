import { connect, type Connection } from './connect';

/** `cody-batch diff <jobId> <owner/name>`: the repository's patch on stdout (for `git apply`). */
export async function diff(args: string[], connection: Connection): Promise<number> {
  const [jobId, repository] = args;
  if (!jobId || !repository) {
    console.error('Usage: cody-batch diff <jobId> <owner/name>');
    return 2;
  }
  const { patch } = await (await connect(connection)).getDiff(jobId, repository);
  if (patch === undefined) {
    console.error(`${repository} made no changes.`);
    return 0;
  }
  process.stdout.write(patch);
  return 0;
}
