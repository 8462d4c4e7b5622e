import * as vscode from 'vscode';
import type { Handlers, RepositoryRef, threadProtocol } from '../../common/webviewProtocol';
import type { Services } from '../services';

// The Claude thread view's requests: the thread (again while the run goes on) and opening links
// from the model's text, which only ever go to the browser, and only for http(s).

export function threadHandlers(services: Services, ref: RepositoryRef): Handlers<typeof threadProtocol> {
  const read = async () => {
    const client = services.connection.client;
    const [repository, thread] = await Promise.all([
      client.getRepository(ref.jobId, ref.repositoryName),
      client.getThread(ref.jobId, ref.repositoryName),
    ]);
    return { status: repository.status, error: repository.error, thread };
  };
  return {
    load: async () => {
      const [job, current] = await Promise.all([services.connection.client.getJob(ref.jobId), read()]);
      return { jobId: job.jobId, repositoryName: ref.repositoryName, jobName: job.name, ...current };
    },
    refresh: read,
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
  };
}
