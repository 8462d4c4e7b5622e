import type { CodyBatchClient } from './client';
import type { CodeHostInfo } from './schemas';

// Which code host the connected API's repositories are on, for a client that words its forms after
// it (the Create Job form: GitLab's groups, not organisations). Both hosts' Create Job handlers
// (the extension's and the web app's) ask it; an API from before `GET /repositories/host`, or one
// that cannot be reached, leaves the form in its general words.

export async function codeHostKindOf(
  client: Pick<CodyBatchClient, 'getCodeHost'>,
): Promise<CodeHostInfo['kind'] | undefined> {
  try {
    return (await client.getCodeHost()).kind;
  } catch {
    return undefined;
  }
}
