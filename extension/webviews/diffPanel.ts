import * as vscode from 'vscode';
import { DiffLayout, type DiffPanelState, type diffProtocol, type Handlers } from '../../common/webviewProtocol';
import { attemptChoices, attemptOutcome, hasKeptFailedDiff } from '../../common/attempts';
import type { Services } from '../services';
import type { PanelTarget } from './panels';

// The diff view's requests: load the patch (of the current attempt, or an earlier one), open one
// file in VS Code's diff editor, switch attempts, and the buttons, which run the same commands as
// the tree and the palette. A command job's change whose verification failed is kept: it loads
// with the failure, to be read, not applied.

/** Where the layout last chosen in a diff panel is kept, across panels and sessions. */
const LAYOUT_KEY = 'codyBatch.diffLayout';

export { attemptChoices, attemptOutcome };

export function diffHandlers(services: Services, target: PanelTarget<DiffPanelState>): Handlers<typeof diffProtocol> {
  const ref = () => {
    const { jobId, repositoryName, attempt } = target.state;
    return { jobId, repositoryName, attempt };
  };
  const current = () => ({ jobId: target.state.jobId, repositoryName: target.state.repositoryName });
  // What the last load showed: the attempt it resolved to, and whether it is a kept failed change.
  let shownPatch: { attempt: number; failed: boolean } | undefined;
  return {
    load: async () => {
      const client = services.connection.client;
      const shown = ref();
      const [job, repository] = await Promise.all([
        client.getJob(shown.jobId),
        client.getRepository(shown.jobId, shown.repositoryName),
      ]);
      const outcome = attemptOutcome(repository, shown.attempt);
      const kept = hasKeptFailedDiff(outcome);
      const attempt = shown.attempt ?? repository.attempt;
      shownPatch = { attempt, failed: kept };
      const patch =
        outcome.status === 'COMPLETED' || kept
          ? await services.patches.get({ ...shown, attempt }, { failed: kept })
          : undefined;
      const layout = DiffLayout.optional().catch(undefined).parse(services.context.globalState.get(LAYOUT_KEY));
      return {
        jobId: job.jobId,
        repositoryName: repository.repositoryName,
        jobName: job.name,
        patch,
        pullRequestUrl: outcome.pullRequestUrl,
        layout,
        attempt,
        attempts: attemptChoices(repository),
        failure: kept ? outcome.error : undefined,
      };
    },
    openFileInDiffEditor: async ({ path }) => {
      await services.diffDocuments.open({ ...ref(), ...shownPatch }, path);
      return { done: true };
    },
    applyToLocalCheckout: async () => {
      await vscode.commands.executeCommand('codyBatch.applyPatch', current());
      return { done: true };
    },
    downloadPatch: async () => {
      await vscode.commands.executeCommand('codyBatch.downloadPatch', current());
      return { done: true };
    },
    rememberLayout: async ({ layout }) => {
      await services.context.globalState.update(LAYOUT_KEY, layout);
      return { done: true };
    },
    openPullRequest: async () => {
      await vscode.commands.executeCommand('codyBatch.openPullRequest', current());
      return { done: true };
    },
    showAttempt: async ({ attempt }) => {
      const repository = await services.connection.client.getRepository(
        target.state.jobId,
        target.state.repositoryName,
      );
      target.set({
        ...target.state,
        attempt: attempt === repository.attempt ? undefined : attempt,
        open: undefined,
        scrollY: undefined,
      });
      return { done: true };
    },
  };
}
