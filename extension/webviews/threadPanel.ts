import * as vscode from 'vscode';
import type { Handlers, ThreadPanelState, threadProtocol } from '../../common/webviewProtocol';
import type { Services } from '../services';
import { attemptChoices, attemptOutcome } from '../../common/attempts';
import type { PanelTarget } from './panelTarget';
import { showAttempt } from './showAttempt';

// The Claude thread view's requests: the thread of the current attempt or an earlier one (again
// while the run goes on), switching attempts, and opening links from the model's text, which only
// ever go to the browser, and only for http(s).

export function threadHandlers(
  services: Services,
  target: PanelTarget<ThreadPanelState>,
): Handlers<typeof threadProtocol> {
  const read = async () => {
    const client = services.connection.client;
    const { jobId, repositoryName, attempt } = target.state;
    const [repository, thread] = await Promise.all([
      client.getRepository(jobId, repositoryName),
      client.getThread(jobId, repositoryName, { attempt }),
    ]);
    const outcome = attemptOutcome(repository, attempt);
    return {
      status: outcome.status,
      error: outcome.error,
      thread,
      attempt: attempt ?? repository.attempt,
      attempts: attemptChoices(repository),
    };
  };
  return {
    load: async () => {
      const [job, current] = await Promise.all([services.connection.client.getJob(target.state.jobId), read()]);
      return { jobId: job.jobId, repositoryName: target.state.repositoryName, jobName: job.name, ...current };
    },
    refresh: async () => {
      const { status, error, thread } = await read();
      return { status, error, thread };
    },
    openLink: async ({ url }) => {
      let parsed: vscode.Uri;
      try {
        parsed = vscode.Uri.parse(url, true);
      } catch {
        return { done: false, message: 'Not a link' };
      }
      if (parsed.scheme !== 'https' && parsed.scheme !== 'http')
        return { done: false, message: 'Only web links open from a thread' };
      return { done: await vscode.env.openExternal(parsed) };
    },
    showAttempt: ({ attempt }) => showAttempt(services, target, attempt),
  };
}
