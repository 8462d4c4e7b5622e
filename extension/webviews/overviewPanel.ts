import * as vscode from 'vscode';
import { eventMessage, type Handlers, type OverviewPanelState, overviewProtocol } from '../../common/webviewProtocol';
import type { Services } from '../services';
import type { PanelTarget } from './panels';

// The Job overview's requests: the job and every row (the page counts and draws them), and opening
// a repository's log or diff from the failures. Each time the tree looks at the jobs again (its
// poll, a refresh, the end of an action) the page is told to load again.

export function overviewHandlers(
  services: Services,
  target: PanelTarget<OverviewPanelState>,
  panel: vscode.WebviewPanel,
): Handlers<typeof overviewProtocol> {
  const subscription = services.jobs.onDidLoad(() => {
    if (panel.visible) void panel.webview.postMessage(eventMessage(overviewProtocol, 'changed', {}));
  });
  panel.onDidDispose(() => subscription.dispose());
  return {
    load: async () => {
      const client = services.connection.client;
      const [job, repositories] = await Promise.all([
        client.getJob(target.state.jobId),
        client.allRepositories(target.state.jobId),
      ]);
      return { job, repositories };
    },
    openRepository: async ({ repositoryName, view }) => {
      const ref = { jobId: target.state.jobId, repositoryName };
      await vscode.commands.executeCommand(view === 'diff' ? 'codyBatch.viewDiff' : 'codyBatch.viewLog', ref);
      return { done: true };
    },
  };
}
