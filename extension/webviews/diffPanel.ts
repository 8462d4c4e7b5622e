import * as vscode from 'vscode';
import type { diffProtocol, Handlers, RepositoryRef } from '../../common/webviewProtocol';
import type { Services } from '../services';

// The diff view's requests: load the patch, open one file in VS Code's diff editor, and the
// buttons, which run the same commands as the tree and the palette.

export function diffHandlers(services: Services, ref: RepositoryRef): Handlers<typeof diffProtocol> {
  const target = { jobId: ref.jobId, repositoryName: ref.repositoryName };
  return {
    load: async () => {
      const client = services.connection.client;
      const [job, repository] = await Promise.all([client.getJob(ref.jobId), client.getRepository(ref.jobId, ref.repositoryName)]);
      const patch = repository.status === 'COMPLETED' ? await services.patches.get(target) : undefined;
      return { jobId: job.jobId, repositoryName: repository.repositoryName, jobName: job.name, patch, pullRequestUrl: repository.pullRequestUrl };
    },
    openFileInDiffEditor: async ({ path }) => {
      await services.diffDocuments.open(target, path);
      return { done: true };
    },
    applyToLocalCheckout: async () => {
      await vscode.commands.executeCommand('codyBatch.applyPatch', target);
      return { done: true };
    },
    downloadPatch: async () => {
      await vscode.commands.executeCommand('codyBatch.downloadPatch', target);
      return { done: true };
    },
    openPullRequest: async () => {
      await vscode.commands.executeCommand('codyBatch.openPullRequest', target);
      return { done: true };
    },
  };
}
