import * as vscode from 'vscode';
import { FOLLOW_UP_ACTIONS } from '../../common/followUps';
import type { FollowUpReason } from '../../common/schemas';
import { FOLLOW_UP_COMMANDS } from '../commands/followUpIds';
import { eventMessage, type Handlers, type OverviewPanelState, overviewProtocol } from '../../common/webviewProtocol';
import { overviewRows } from '../../common/overviewRows';
import { groupReviewed, reviewGroup } from '../review/groupReview';
import { overviewChange, type PaintedOverview, paintedOverview } from '../../common/viewChanges';
import type { Services } from '../services';
import type { PanelTarget } from './panelTarget';
import { watchView } from './viewWatch';

// The Job overview's requests: the job and its rows (common/overviewRows.ts: a small job's every row,
// which the page counts, a large job's failed rows only, its counts the job item's), and opening
// a repository's log or diff from the failures. Each time the tree looks at the jobs again (its
// poll, a refresh, the end of an action) the page is told to load again. The change groups come
// with the job (a failure to read them leaves the rest of the page); a group opens in the diff
// panel's group mode; its Approve and Reject review the members the page showed.

export function overviewHandlers(
  services: Services,
  target: PanelTarget<OverviewPanelState>,
  panel: vscode.WebviewPanel,
): Handlers<typeof overviewProtocol> {
  const repaint = () => void panel.webview.postMessage(eventMessage(overviewProtocol, 'changed', {}));
  const subscription = services.jobs.onDidLoad(() => {
    if (panel.visible) repaint();
  });
  // What the page painted (common/viewChanges.ts: the job as of then, and its groups).
  let painted: PaintedOverview | undefined;
  const watch = watchView(services, panel, {
    check: async () => (painted ? overviewChange(services.connection.client, target.state.jobId, painted) : undefined),
    // The overview paints what is there again (it holds no half-made choice to lose).
    say: repaint,
    intervals: 3,
  });
  panel.onDidDispose(() => {
    subscription.dispose();
    watch.dispose();
  });
  return {
    load: async () => {
      const client = services.connection.client;
      const [{ job, repositories }, changes] = await Promise.all([
        client.getJob(target.state.jobId).then(async (job) => ({ job, repositories: await overviewRows(client, job) })),
        client.getChanges(target.state.jobId).then(
          (value) => ({ value }),
          (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
        ),
      ]);
      if ('error' in changes) services.log.warn(`Could not read the change groups of ${job.jobId}: ${changes.error}`);
      painted = paintedOverview(job, 'error' in changes ? undefined : changes.value);
      watch.painted();
      return 'error' in changes
        ? { job, repositories, changesError: changes.error }
        : { job, repositories, changes: changes.value };
    },
    reviewGroup: async ({ fingerprint, state, members }) => {
      const outcome = await reviewGroup(services, target.state.jobId, fingerprint, state, members);
      groupReviewed(services, target.state.jobId, members);
      return outcome;
    },
    openGroup: async ({ fingerprint }) => {
      const changes = await services.connection.client.getChanges(target.state.jobId);
      const group = changes.groups.find((each) => each.fingerprint === fingerprint);
      if (!group) return { done: false, message: 'This group is gone: the job’s changes moved. Look again.' };
      services.panels.showGroup(
        { jobId: target.state.jobId, repositoryName: group.representative, group: fingerprint },
        target.state.jobName,
      );
      return { done: true };
    },
    followUpGroup: async ({ repositories, title }) => {
      const picked = await vscode.window.showQuickPick(
        Object.entries(FOLLOW_UP_COMMANDS).map(([reason, command]) => ({
          label: FOLLOW_UP_ACTIONS[reason as FollowUpReason].title,
          command,
        })),
        { title: `Cody Batch: follow up on ${title}`, placeHolder: 'What the round does on each pull request' },
      );
      if (!picked) return { done: true };
      await vscode.commands.executeCommand(picked.command, { jobId: target.state.jobId, repositories, title });
      return { done: true };
    },
    openRepository: async ({ repositoryName, view }) => {
      const ref = { jobId: target.state.jobId, repositoryName };
      await vscode.commands.executeCommand(view === 'diff' ? 'codyBatch.viewDiff' : 'codyBatch.viewLog', ref);
      return { done: true };
    },
  };
}
