import { hasKeptFailedDiff } from '../../../common/attempts';
import { type ActionProgress, type ActionWords, bulkProgress } from '../../../common/actionResults';
import { autoMergeable, openPullRequest, READY_WORDS, readyToMerge } from '../../../common/pullRequestCounts';
import { FOLLOW_UP_ACTIONS } from '../../../common/followUps';
import { afterOperation } from '../../../common/operationProgress';
import { currentPatchDigest } from '../../../common/patchDigest';
import { publishFollowed } from '../../../common/publication';
import {
  type BulkAction,
  type BulkActionRequest,
  FOLLOW_UP_REASONS,
  type FollowUpReason,
  type FollowUpResponse,
  type Job,
  type RepositoryActionResult,
  type RepositoryResult,
} from '../../../common/schemas';
import { ACTIVE_JOB_STATUSES, isFinalJobStatus, type RepositoryStatus } from '../../../common/status';
import { jobDescription, repositoryDescription, statusWord, verificationFailed } from '../../../common/statusText';
import { overviewProtocol } from '../../../common/webviewProtocol';
import { startOverviewPage } from '../../overview/page';
import { h } from '../../shared/dom';
import { inPageHost, type PageHost } from '../../shared/host';
import { overviewHandlers } from '../viewHandlers';
import { errorText, type PageContext, poll } from '../page';
import { routeHref } from '../routes';
import { LOOK_MS, watchPage } from '../viewWatch';
import { actionBox } from './actionProgress';
import { openFollowUpDialog } from './followUpDialog';
import { alertBox, button, headerWithCrumbs, statusBadge, when } from './parts';
import { services } from './views';

// One job: what it does, its status and counts, the actions it allows now, the overview, and its
// repositories grouped by state as the extension's tree groups them (what needs attention first).
// Each group lists its rows a page at a time from the paged repositories API (a job may have a
// thousand), read when the group is opened. While the job runs, the page re-reads it every few
// seconds and says a change of status to screen readers.

const REFRESH_MS = 3000;
const GROUP_PAGE = 50;

interface GroupSpec {
  status: RepositoryStatus;
  title: string;
  count: (job: Job) => number;
}

/** The tree's order: what needs attention first. */
const GROUPS: GroupSpec[] = [
  { status: 'FAILED', title: 'Failed', count: (job) => job.counts.failed },
  { status: 'RUNNING', title: 'Running', count: (job) => job.counts.running },
  { status: 'PENDING', title: 'Pending', count: (job) => job.counts.pending },
  { status: 'COMPLETED', title: 'Changed', count: (job) => job.counts.completed },
  { status: 'NO_CHANGES', title: 'No changes', count: (job) => job.counts.noChanges },
  { status: 'CANCELLED', title: 'Cancelled', count: (job) => job.counts.cancelled },
];

export async function renderJobPage(context: PageContext, jobId: string): Promise<void> {
  const { document, root, client } = context;
  const errors = h(document, 'div');
  const report = (error: unknown) => errors.replaceChildren(alertBox(document, errorText(error)));
  let job = await client.getJob(jobId);
  context.setTitle(job.name);

  const title = h(document, 'h1', { tabindex: '-1' }, job.name);
  const badge = h(document, 'span', { id: 'job-status' });
  const summary = h(document, 'span', { id: 'job-summary' });
  const toolbar = h(document, 'div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Job actions' });
  const overview = h(document, 'section', { id: 'job-overview', class: 'overview-slot', 'aria-label': 'Overview' });
  const groups = h(document, 'div', { class: 'groups' });
  root.append(
    headerWithCrumbs(
      document,
      undefined,
      title,
      h(
        document,
        'div',
        { class: 'muted summary' },
        badge,
        ' · ',
        summary,
        ' · created ',
        when(document, job.createdAt),
      ),
      toolbar,
    ),
    errors,
    taskSection(document, job),
    overview,
    h(document, 'h2', {}, 'Repositories'),
    groups,
  );
  // The same Job overview view as VS Code's panel, answered in the page. It looks again at what it
  // painted (a review, a revision, a regrouping made anywhere else moves no status of a finished
  // job) and, as VS Code's does, paints what is there again; the rows below with it.
  let overviewHost: PageHost<typeof overviewProtocol> | undefined;
  const watch = watchPage(context, {
    jobId,
    intervalMs: 3 * LOOK_MS,
    say: () => void refresh(true).catch(report),
  });
  overviewHost = inPageHost(
    overviewProtocol,
    overviewHandlers(
      { ...services(context), followUp: (repositories, target) => followUp({ repositories, target }) },
      jobId,
      watch,
    ),
  );
  const shownOverview = startOverviewPage(overviewHost, overview);
  context.onLeave(() => void shownOverview.then((page) => page.stop()));

  const act = async (doing: string, action: () => Promise<unknown>) => {
    try {
      await action();
      actedAt = Date.now();
      errors.replaceChildren();
      context.announce(`${doing}: done`);
      await refresh(true);
    } catch (error) {
      report(new Error(`${doing} failed: ${errorText(error)}`));
    }
  };
  /**
   * An action on many repositories (pages/actionProgress.ts): the count from its first second, each
   * repository's result as it comes, then the summary with the ones not done one click away.
   */
  const actOnMany = async (
    doing: string,
    words: Omit<ActionWords, 'jobName'>,
    total: number | undefined,
    action: (progress: ActionProgress) => Promise<RepositoryActionResult[]>,
  ) => {
    const box = actionBox(document, doing, { ...words, jobName: job.name }, total);
    errors.replaceChildren(box.element);
    try {
      const summary = box.finish(await action(box.progress));
      actedAt = Date.now();
      context.announce(summary.message);
      await refresh(true);
    } catch (error) {
      // What was done before it failed stays listed above the error.
      errors.replaceChildren(box.element, alertBox(document, `${doing} failed: ${errorText(error)}`));
    }
  };
  /** Says what the page is doing before it can count (reading the rows an action chooses from). */
  const working = (text: string) =>
    errors.replaceChildren(h(document, 'p', { class: 'notice', role: 'status', id: 'action-results' }, text));
  /**
   * A large job's cancel, continue or retry answers while its rows still move: the page shows the
   * server's operation line until it ends, and one that stops is the action's failure, as in the CLI
   * and VS Code (common/operationProgress.ts).
   */
  const followed = async (answer: Promise<Job>) => afterOperation(client, await answer, working);
  /** Fix failing checks…, Address review…, Update branches…, Send instruction…: the dialog, then the rounds' results. */
  const followUp = (options: { reason?: FollowUpReason; repositories?: string[]; target?: string }) =>
    openFollowUpDialog(document, {
      target: options.target ?? 'the job’s open pull requests',
      reason: options.reason,
      start: async ({ reason, push, instruction }) => {
        let answer: FollowUpResponse;
        try {
          answer = await client.followUp(jobId, {
            reason,
            push,
            ...(options.repositories ? { repositories: options.repositories } : {}),
            ...(instruction !== undefined ? { instruction } : {}),
          });
        } catch (error) {
          return { done: false, message: errorText(error) };
        }
        await actOnMany(
          'Starting follow-up rounds',
          { done: 'Started rounds on', things: 'pull requests' },
          answer.results.length,
          async () => answer.results,
        );
        return { done: true };
      },
    });
  const confirmThen = (question: string, doing: string, action: () => Promise<unknown>) => () => {
    if (context.window.confirm(question)) void act(doing, action);
  };

  const drawHeader = () => {
    badge.replaceChildren(statusBadge(document, job.status));
    summary.textContent = jobDescription(job);
    toolbar.replaceChildren(...actionsFor(job));
  };
  const actionsFor = (job: Job): HTMLElement[] => {
    const actions: HTMLElement[] = [];
    if (ACTIVE_JOB_STATUSES.includes(job.status) || job.status === 'SAMPLED')
      actions.push(
        button(
          document,
          'Cancel job',
          confirmThen(`Cancel "${job.name}"? Running repositories stop.`, 'Cancelling', () =>
            followed(client.cancelJob(jobId)),
          ),
          { id: 'cancel-job' },
        ),
      );
    if (job.status === 'SAMPLED')
      actions.push(
        button(document, 'Continue', () => void act('Continuing', () => followed(client.continueJob(jobId))), {
          id: 'continue-job',
        }),
      );
    if (isFinalJobStatus(job.status) && job.counts.failed + job.counts.cancelled > 0)
      actions.push(
        button(document, 'Retry failed', () => void act('Retrying', () => followed(client.retryJob(jobId))), {
          id: 'retry-job',
        }),
      );
    if (isFinalJobStatus(job.status) && job.counts.completed > 0)
      actions.push(
        button(
          document,
          'Publish…',
          () => {
            if (context.window.confirm('Open pull requests for the changed repositories that have none?'))
              void actOnMany('Publishing', { done: 'Published', things: 'repositories' }, undefined, (progress) =>
                publishFollowed(client, jobId, {}, progress),
              );
          },
          { id: 'publish' },
        ),
      );
    const prs = job.pullRequestCounts;
    if (prs || job.publishRun)
      actions.push(
        button(
          document,
          'Refresh pull requests',
          () => {
            working(`Reading the pull requests of "${job.name}" again…`);
            void client
              .refreshPullRequests(jobId)
              .then(
                async (refreshed) => {
                  actedAt = Date.now();
                  // Said where it was asked, not only to a screen reader.
                  const said = `Read the pull requests of "${job.name}" again: ${pullRequestWords(refreshed)}.`;
                  working(said);
                  context.announce(said);
                  await refresh(true);
                },
                (error: unknown) => report(new Error(`Refreshing pull requests failed: ${errorText(error)}`)),
              )
              .catch(report);
          },
          { id: 'refresh-prs' },
        ),
      );
    if (prs && prs.open + prs.draft > 0) {
      // The rows are read first (common/pullRequestCounts.ts chooses, as VS Code's commands do), so
      // the question names the count and the action counts from its first second.
      const bulk = (
        action: BulkAction,
        choose: (row: RepositoryResult) => boolean,
        what: string,
        ask: (count: number) => BulkActionRequest | undefined,
        doing: string,
        done: string,
      ) =>
        button(
          document,
          `${action[0]!.toUpperCase()}${action.slice(1)} pull requests…`,
          () => {
            working(`${doing}: finding the ${what} pull requests…`);
            void client.allRepositories(jobId).then(async (rows) => {
              const names = rows.filter(choose).map((row) => row.repositoryName);
              if (names.length === 0) return working(`No pull request of "${job.name}" is ${what}.`);
              const request = ask(names.length);
              if (!request) return errors.replaceChildren();
              await actOnMany(doing, { done, things: 'pull requests' }, names.length, (progress) =>
                client.pullRequestActionAll(
                  jobId,
                  action,
                  { ...request, repositories: names },
                  { onProgress: bulkProgress(progress) },
                ),
              );
            }, report);
          },
          { id: `${action}-prs` },
        );
      const { window } = context;
      const count = (n: number) => `${n} ${n === 1 ? 'pull request' : 'pull requests'}`;
      actions.push(
        // The server checks each again and never forces a merge: not ready ones come back as not done, with why.
        bulk(
          'merge',
          readyToMerge,
          'ready',
          (n) => (window.confirm(`Merge the job's ${count(n)} that are ready (${READY_WORDS})?`) ? {} : undefined),
          'Merging',
          'Merged',
        ),
        bulk(
          'auto-merge',
          autoMergeable,
          'open without auto-merge',
          (n) =>
            window.confirm(
              `Turn on auto-merge for the job's ${count(n)} that are open? Those with nothing left to wait for are merged now.`,
            )
              ? {}
              : undefined,
          'Turning on auto-merge',
          'Turned on auto-merge for',
        ),
        bulk(
          'close',
          openPullRequest,
          'open',
          (n) => (window.confirm(`Close the job's ${count(n)} that are open?`) ? {} : undefined),
          'Closing',
          'Closed',
        ),
        bulk(
          'comment',
          openPullRequest,
          'open',
          (n) => {
            const body = window.prompt(`A comment for each of the job's ${count(n)} that are open:`)?.trim();
            return body ? { body } : undefined;
          },
          'Commenting',
          'Commented on',
        ),
      );
    }
    if (isFinalJobStatus(job.status) && prs && prs.open + prs.draft > 0)
      actions.push(
        ...FOLLOW_UP_REASONS.map((reason) =>
          button(document, FOLLOW_UP_ACTIONS[reason].title, () => void followUp({ reason }), {
            id: `follow-up-${reason}`,
          }),
        ),
      );
    return actions;
  };

  // The groups: one <details> per state with rows, a page at a time, read when opened.
  const open = new Set<RepositoryStatus>(['FAILED', 'RUNNING', 'COMPLETED']);
  const drawGroups = async () => {
    const shown = GROUPS.filter((group) => group.count(job) > 0);
    const sections = await Promise.all(shown.map((group) => groupSection(group)));
    const focused = document.activeElement?.getAttribute('data-focus-key');
    groups.replaceChildren(...sections);
    if (shown.length === 0) groups.append(h(document, 'p', { class: 'muted' }, 'No repositories yet.'));
    if (focused) groups.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(focused)}"]`)?.focus();
  };
  const groupSection = async (group: GroupSpec): Promise<HTMLElement> => {
    const count = group.count(job);
    const list = h(document, 'ul', { class: 'repositories' });
    const title = group.status === 'PENDING' && job.status === 'SAMPLED' ? 'Waiting' : group.title;
    const details = h(
      document,
      'details',
      { class: 'group', 'data-status': group.status, open: open.has(group.status) },
      h(document, 'summary', {}, `${title} (${count})`),
      list,
    );
    let loaded = false;
    const loadPage = async (nextToken?: string) => {
      const page = await client.listRepositories(jobId, { status: group.status, limit: GROUP_PAGE, nextToken });
      list.querySelector('li.more')?.remove();
      list.append(...page.items.map((repository) => repositoryRow(repository)));
      if (page.nextToken) {
        const more = button(document, 'Load more', () => void loadPage(page.nextToken).catch(report), {
          'data-focus-key': `more:${group.status}`,
        });
        list.append(h(document, 'li', { class: 'more' }, more));
      }
    };
    details.addEventListener('toggle', () => {
      if (details.open) open.add(group.status);
      else open.delete(group.status);
      if (details.open && !loaded) {
        loaded = true;
        void loadPage().catch(report);
      }
    });
    if (details.open) {
      loaded = true;
      await loadPage().catch(report);
    }
    return details;
  };
  const repositoryRow = (repository: RepositoryResult): HTMLElement => {
    const ref = { jobId, repositoryName: repository.repositoryName };
    const key = (what: string) => `${what}:${repository.repositoryName}`;
    const links: HTMLElement[] = [];
    if (repository.status === 'COMPLETED' || hasKeptFailedDiff(repository))
      links.push(
        h(document, 'a', { href: routeHref({ page: 'diff', ...ref }), 'data-focus-key': key('diff') }, 'Diff'),
      );
    if (job.prompt !== undefined && repository.status !== 'PENDING')
      links.push(
        h(document, 'a', { href: routeHref({ page: 'thread', ...ref }), 'data-focus-key': key('thread') }, 'Thread'),
      );
    if (repository.status !== 'PENDING')
      links.push(h(document, 'a', { href: routeHref({ page: 'log', ...ref }), 'data-focus-key': key('log') }, 'Log'));
    if (repository.pullRequestUrl && /^https?:\/\//.test(repository.pullRequestUrl))
      links.push(
        h(
          document,
          'a',
          { href: repository.pullRequestUrl, target: '_blank', rel: 'noopener noreferrer' },
          'Pull request',
        ),
      );
    if (repository.status === 'COMPLETED') {
      const review = repository.review?.state ?? 'unreviewed';
      for (const [state, label] of [
        ['approved', 'Approve'],
        ['rejected', 'Reject'],
      ] as const) {
        links.push(
          button(
            document,
            label,
            () =>
              void act(`${label} ${repository.repositoryName}`, () =>
                // The patch of the row this page shows: the API refuses the review if it has changed since.
                client.reviewRepository(jobId, repository.repositoryName, {
                  state: review === state ? 'unreviewed' : state,
                  attempt: repository.attempt,
                  ...(currentPatchDigest(repository) ? { digest: currentPatchDigest(repository) } : {}),
                }),
              ),
            {
              'aria-pressed': String(review === state),
              'data-focus-key': key(state),
              'aria-label': `${label} ${repository.repositoryName}`,
            },
          ),
        );
      }
    }
    const words = [repositoryDescription(repository)];
    if (verificationFailed(repository)) words.push('verify failed');
    if (repository.review) words.push(repository.review.state);
    return h(
      document,
      'li',
      { 'data-repository': repository.repositoryName },
      // The name goes where there is something to see: the diff, else the log.
      repository.status === 'PENDING'
        ? h(document, 'span', { class: 'name' }, repository.repositoryName)
        : h(
            document,
            'a',
            {
              class: 'name',
              href: routeHref({
                page: repository.status === 'COMPLETED' || hasKeptFailedDiff(repository) ? 'diff' : 'log',
                ...ref,
              }),
            },
            repository.repositoryName,
          ),
      h(document, 'span', { class: 'muted' }, words.join(' · ')),
      h(document, 'span', { class: 'links' }, ...links),
      repository.error && repository.status === 'FAILED'
        ? h(document, 'div', { class: 'muted small error-text' }, repository.error.message)
        : undefined,
    );
  };

  /**
   * Reads the job again; its groups too when it changed, or after an action (a review moves no
   * counter), and then the overview paints what is there again too.
   */
  const refresh = async (force = false): Promise<boolean> => {
    if (force) overviewHost?.emit('changed', {});
    const before = job;
    job = await client.getJob(jobId);
    if (job.status !== before.status) context.announce(`${job.name}: ${statusWord(job.status)}`);
    drawHeader();
    if (force || job.updatedAt !== before.updatedAt || job.status !== before.status) await drawGroups();
    return true;
  };
  // A finished job changes only when someone acts on it (a retry, a publish and its workers):
  // after an action the page follows it for a while, as it follows a running job.
  let actedAt = 0;
  const follow = () => ACTIVE_JOB_STATUSES.includes(job.status) || Date.now() - actedAt < 60_000;

  drawHeader();
  await drawGroups();
  root.removeAttribute('aria-busy');
  poll(context, REFRESH_MS, async () => (follow() ? refresh() : true), report);
}

function taskSection(document: Document, job: Job): HTMLElement {
  const task = job.prompt ?? job.command ?? '';
  return h(
    document,
    'details',
    { class: 'task' },
    h(document, 'summary', {}, job.prompt !== undefined ? 'Prompt' : 'Command'),
    job.description ? h(document, 'p', {}, job.description) : undefined,
    h(document, 'pre', {}, task),
    job.verifyCommand ? h(document, 'p', {}, 'Verified with ', h(document, 'code', {}, job.verifyCommand)) : undefined,
  );
}

/** `3 open · 1 draft · 2 merged`, or `none`. */
function pullRequestWords(job: Job): string {
  const counts = job.pullRequestCounts;
  const words = counts
    ? (['open', 'draft', 'merged', 'closed'] as const)
        .filter((state) => counts[state] > 0)
        .map((state) => `${counts[state]} ${state}`)
    : [];
  return words.join(' · ') || 'none';
}
