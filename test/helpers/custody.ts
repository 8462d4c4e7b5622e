import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { CodyBatchClient } from '../../common/client';
import { waitFor } from './jobs';

// What the chain-of-custody suite (test/custody.test.ts, run on GitHub and on
// GitLab) looks at and does: a hosted repository's refs, a colleague's branch, a reviewer's approval.

const run = promisify(execFile);

/** Every ref of a hosted repository and the commit it names: what "untouched" is checked against. */
export async function refs(bare: string): Promise<string> {
  const { stdout } = await run('git', ['--git-dir', bare, 'for-each-ref', '--format=%(refname) %(objectname)'], {
    env: { PATH: process.env.PATH, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
  });
  return stdout;
}

/** `git show <rev>:<path>` in a hosted repository, or undefined when there is no such file. */
export async function show(bare: string, rev: string, file: string): Promise<string | undefined> {
  return run('git', ['--git-dir', bare, 'show', `${rev}:${file}`]).then(
    ({ stdout }) => stdout,
    () => undefined,
  );
}

/** Approves a repository's patch as a reviewer does: with the digest of the diff as read. */
export async function approveAsRead(client: CodyBatchClient, jobId: string, name: string) {
  const { digest } = await client.getDiff(jobId, name);
  return client.reviewRepository(jobId, name, { state: 'approved', digest });
}

/** The row once its publication is over, published or failed. */
export function publicationOf(client: CodyBatchClient, jobId: string, name: string) {
  return waitFor(`${name} to be published or to fail`, async () => {
    const row = await client.getRepository(jobId, name);
    const status = row.publication?.status;
    return status === 'published' || status === 'failed' ? row : undefined;
  });
}
