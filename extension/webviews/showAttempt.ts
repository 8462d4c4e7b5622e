import type { RepositoryRef, ViewPlace } from '../../common/webviewProtocol';
import type { Services } from '../services';
import type { PanelTarget } from './panelTarget';

// The diff and thread panels' attempt switch: one piece, so that both read "the current attempt"
// the same way.

/**
 * Points a repository's panel at one of its attempts, from the top of the page. The current
 * attempt is kept as no attempt at all, so the panel follows the repository to its next one.
 */
export async function showAttempt<State extends RepositoryRef & ViewPlace>(
  services: Services,
  target: PanelTarget<State>,
  attempt: number,
): Promise<{ done: true }> {
  const repository = await services.connection.client.getRepository(target.state.jobId, target.state.repositoryName);
  target.set({
    ...target.state,
    attempt: attempt === repository.attempt ? undefined : attempt,
    open: undefined,
    scrollY: undefined,
  });
  return { done: true };
}
