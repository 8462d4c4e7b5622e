import * as vscode from 'vscode';
import { DiffLayout, type diffProtocol, type Handlers, type RepositoryRef } from '../../common/webviewProtocol';
import type { Services } from '../services';

// The diff view's requests: load the patch, open one file in VS Code's diff editor, and the
// buttons, which run the same commands as the tree and the palette.

/** Where the layout last chosen in a diff panel is kept, across panels and sessions. */
const LAYOUT_KEY = 'codyBatch.diffLayout';

export function diffHandlers(services: Services, ref: RepositoryRef): Handlers<typeof diffProtocol> {
  const target = { jobId: ref.jobId, repositoryName: ref.repositoryName };
  return {
    load: async () => {
      const client = services.connection.client;
      const [job, repository] = await Promise.all([
        client.getJob(ref.jobId),
        client.getRepository(ref.jobId, ref.repositoryName),
      ]);
      const patch = repository.status === 'COMPLETED' ? await services.patches.get(target) : undefined;
      const layout = DiffLayout.optional().catch(undefined).parse(services.context.globalState.get(LAYOUT_KEY));
      return {
        jobId: job.jobId,
        repositoryName: repository.repositoryName,
        jobName: job.name,
        patch,
        pullRequestUrl: repository.pullRequestUrl,
        layout,
      };
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
    rememberLayout: async ({ layout }) => {
      await services.context.globalState.update(LAYOUT_KEY, layout);
      return { done: true };
    },
    openPullRequest: async () => {
      await vscode.commands.executeCommand('codyBatch.openPullRequest', target);
      return { done: true };
    },
  };
}
