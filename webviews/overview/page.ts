import { type GroupLine, groupLines, groupReviewedText } from '../../common/changeGroupText';
import { shownMembers } from '../../common/groupReview';
import type { overviewProtocol, Verdict } from '../../common/webviewProtocol';
import { showErrorAbove } from '../shared/dom';
import type { Host } from '../shared/host';
import { pageRefresh } from '../shared/refresh';
import type { GroupsData } from './groups';
import { overviewModel } from './model';
import { renderOverview } from './render';

// The overview page: loads the job and its rows through the host and renders them; loads again
// when the host says the job changed (the tree looked again, an action ended), and every few
// seconds by itself while the job runs or publishes and the panel is visible. Only the typed
// protocol connects it to VS Code, so a web app can host it too. A group's Approve or Reject sends
// the members the page shows; the host refuses it when the group changed since, and the page loads
// again and says why.

export interface OverviewPageOptions {
  refreshMs?: number;
}

export interface OverviewPage {
  stop(): void;
  /** Loads again now. */
  reload(): Promise<void>;
}

export async function startOverviewPage(
  host: Host<typeof overviewProtocol>,
  root: HTMLElement,
  options: OverviewPageOptions = {},
): Promise<OverviewPage> {
  const document = root.ownerDocument;
  const window = document.defaultView!;
  const refresh = pageRefresh(options.refreshMs ?? 5000);
  let loading: Promise<void> | undefined;
  // Said above the groups after the next load: what the last group review did.
  let groupNotice: GroupsData['notice'];
  let reviewing = false;
  const reviewGroup = async (line: GroupLine, state: Verdict) => {
    if (reviewing) return;
    reviewing = true;
    for (const button of root.querySelectorAll<HTMLButtonElement>('.group-list button')) button.disabled = true;
    try {
      // The members listed, each with the digest the page was given for it: the API refuses any other.
      const answer = await host.client.request('reviewGroup', {
        fingerprint: line.fingerprint,
        state,
        members: shownMembers(
          line.repositories.map((repositoryName) => ({ repositoryName, digest: line.digests[repositoryName] })),
        ),
      });
      groupNotice = answer.done
        ? { text: answer.message ?? groupReviewedText(state, line.repositories.length), error: false }
        : { text: answer.message ?? 'The group was not reviewed.', error: true };
    } catch (error) {
      groupNotice = { text: error instanceof Error ? error.message : String(error), error: true };
    } finally {
      reviewing = false;
    }
    await load();
  };
  const actions = {
    openRepository: (repositoryName: string, view: 'diff' | 'log') =>
      void host.client.request('openRepository', { repositoryName, view }).catch(report),
    openGroup: (fingerprint: string) => void host.client.request('openGroup', { fingerprint }).catch(report),
    followUpGroup: (line: GroupLine) =>
      void host.client
        .request('followUpGroup', { fingerprint: line.fingerprint, repositories: line.repositories, title: line.title })
        .then((answer) => {
          if (!answer.done && answer.message) report(new Error(answer.message));
        })
        .catch(report),
    reviewGroup: (line: GroupLine, state: Verdict) => void reviewGroup(line, state),
  };
  const report = (error: unknown) => showErrorAbove(root, error);
  const load = (): Promise<void> =>
    (loading ??= (async () => {
      try {
        const { job, repositories, changes, changesError } = await host.client.request('load', {});
        const model = overviewModel(job, repositories);
        const scrollY = window.scrollY;
        const groups: GroupsData = {
          lines: changes ? groupLines(changes) : undefined,
          error: changesError,
          notice: groupNotice,
        };
        groupNotice = undefined;
        renderOverview(root, model, job.burndown ?? [], actions, groups);
        window.scrollTo(0, scrollY);
        host.setState({ jobId: job.jobId, jobName: job.name });
        if (model.active) refresh.later(() => void poll());
        else refresh.cancel();
      } catch (error) {
        report(error);
      } finally {
        loading = undefined;
      }
    })());
  const poll = async () => {
    if (refresh.stopped) return;
    if (document.visibilityState === 'visible') await load();
    else refresh.later(() => void poll());
  };
  host.client.on('changed', () => void load());
  await load();
  return {
    stop: refresh.stop,
    reload: load,
  };
}
