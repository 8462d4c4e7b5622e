import * as vscode from 'vscode';
import { roundShown } from '../../common/followUps';
import { ApiError } from '../../common/client';
import { groupShown } from '../../common/changeGroupText';
import { differingSurroundings } from '../../common/surroundings';
import type { Job, RepositoryResult } from '../../common/schemas';
import { reviewStateOf } from '../../common/status';
import {
  DiffLayout,
  type DiffPanelState,
  diffProtocol,
  type Direction,
  eventMessage,
  type Handlers,
} from '../../common/webviewProtocol';
import { afterReview, placeInOrder, REVIEW_VERBS, reviewOrder, stepTarget } from '../../common/reviewQueue';
import { groupReviewed, openedVariants, reviewGroup } from '../review/groupReview';
import { patchFields, patchShown, revisionShown, saveRevision } from '../../common/patchRevisions';
import { ReviewRows } from '../review/reviewRows';
import { ViewedFiles, type ViewedScope } from '../review/viewedFiles';
import { groupingEnabled } from '../tree/jobsTree';
import type { Services } from '../services';
import type { PanelTarget } from './panelTarget';
import { showAttempt } from './showAttempt';
import { type PaintedView, paintedRepository, refusedAsChanged, viewChange } from '../../common/viewChanges';
import { watchView } from './viewWatch';
import { dropEverywhere, dropPattern, dropTargets, groupNow, patternText } from '../../common/dropEverywhere';
import { summarizeResults } from '../../common/actionResults';
import { runJobAction } from '../jobAction';
import { countOf } from '../pullRequestTargets';

// The diff view's requests: load the patch (of the current attempt, or an earlier one), open one
// file in VS Code's diff editor, switch attempts, and the buttons, which run the same commands as
// the tree and the palette. A command job's change whose verification failed is kept: it loads
// with the failure, to be read, not applied. Reviewing: Approve and Reject (with the page's note)
// call the API and move the same panel on to the next unreviewed COMPLETED repository of the job,
// in the tree's order; Previous/Next Repository step through that order; Viewed files are kept
// per reviewer, repository and patch in the extension's global state. Group mode (`state.group`)
// shows a change group's representative diff with its members, each of which opens in its own
// panel, and approves or rejects the members shown. Dropping hunks saves a new revision of the
// patch and shows it; an earlier revision (the original: 0) opens read-only.

/** Where the layout last chosen in a diff panel is kept, across panels and sessions. */
const LAYOUT_KEY = 'codyBatch.diffLayout';

export function diffHandlers(
  services: Services,
  target: PanelTarget<DiffPanelState>,
  panel: vscode.WebviewPanel,
): Handlers<typeof diffProtocol> {
  const ref = () => {
    const { jobId, repositoryName, attempt } = target.state;
    return { jobId, repositoryName, attempt };
  };
  const current = () => ({ jobId: target.state.jobId, repositoryName: target.state.repositoryName });
  // What the last load showed: the attempt it resolved to, whether it is a kept failed change, its patch.
  let shownPatch: { attempt: number; failed: boolean; patch?: string } | undefined;
  // What the page painted, to tell when it is not what is there any more.
  let painted: PaintedView | undefined;
  const watch = watchView(services, panel, {
    check: async () => (painted ? viewChange(services.connection.client, target.state.jobId, painted) : undefined),
    say: (message) => void panel.webview.postMessage(eventMessage(diffProtocol, 'changed', { message })),
    // A group's look reads the job's change groups: less often.
    intervals: target.state.group ? 3 : 1,
  });
  panel.onDidDispose(() => watch.dispose());
  /** Refuses an action while the page shows what is not there any more. */
  const unchanged = () => watch.unchanged();
  const reviewRows = new ReviewRows({ allRepositories: (jobId) => services.connection.client.allRepositories(jobId) });
  const viewedFiles = new ViewedFiles(services.context.globalState);
  // Said once on the page the last review or step led to.
  let notice: string | undefined;

  const viewedScope = (): ViewedScope | undefined =>
    shownPatch?.patch === undefined
      ? undefined
      : {
          reviewer: services.connection.reviewer ?? '',
          ...current(),
          attempt: shownPatch.attempt,
          patch: shownPatch.patch,
        };

  /** The job's COMPLETED repositories in the tree's order, `fresh` in place of its old row. */
  const order = async (fresh?: RepositoryResult, known?: Job) => {
    const job = known ?? (await services.connection.client.getJob(target.state.jobId));
    if (fresh) reviewRows.remember(fresh);
    const rows = (await reviewRows.rows(job)).map((row) =>
      fresh && row.repositoryName === fresh.repositoryName ? fresh : row,
    );
    return reviewOrder(rows, job, groupingEnabled());
  };

  /** Points the panel at another repository of the job (its current attempt), from the top. */
  const showRepository = (repositoryName: string) =>
    target.set({
      ...target.state,
      repositoryName,
      attempt: undefined,
      group: undefined,
      revision: undefined,
      open: undefined,
      scrollY: undefined,
    });

  return {
    load: async () => {
      const client = services.connection.client;
      const fingerprint = target.state.group;
      // A group view shows its representative as the group is now: a member that left it (its diff
      // changed) is not shown for it, whoever stood for the group when the panel opened.
      const changes = fingerprint ? await client.getChanges(target.state.jobId) : undefined;
      const representative = changes?.groups.find((each) => each.fingerprint === fingerprint)?.representative;
      if (representative && representative !== target.state.repositoryName)
        target.update({ ...target.state, repositoryName: representative, attempt: undefined, revision: undefined });
      const shown = ref();
      const [job, repository] = await Promise.all([
        client.getJob(shown.jobId),
        client.getRepository(shown.jobId, shown.repositoryName),
      ]);
      const picked = patchShown(repository, {
        attempt: shown.attempt,
        revision: target.state.revision,
      });
      const { outcome, kept, attempt, isCurrent, revision, latest, fetch, request } = picked;
      const { patch, digest } = fetch
        ? await services.patches.fetch({ ...shown, attempt }, { failed: kept, revision: request.revision })
        : { patch: undefined, digest: undefined };
      shownPatch = { attempt, failed: kept, patch };
      const layout = DiffLayout.optional().catch(undefined).parse(services.context.globalState.get(LAYOUT_KEY));
      const scope = viewedScope();
      // The progress line and the neighbours need every row; a failure there still shows the diff.
      const inOrder = await order(repository, job).catch((error: unknown) => {
        services.log.warn(`Could not read the repositories of ${job.jobId} for the review order: ${String(error)}`);
        return undefined;
      });
      const group =
        changes && fingerprint
          ? groupShown(changes, fingerprint, inOrder ?? [repository], openedVariants.names(job.jobId, fingerprint))
          : undefined;
      const revisable = !fingerprint && latest && outcome.status === 'COMPLETED' && patch !== undefined;
      const said =
        fingerprint && changes && !group
          ? `This group is gone (the job's changes moved): ${repository.repositoryName}'s diff is ` +
            `shown, to read. Open the overview for the groups as they are now, or the repository ` +
            `from the tree to review it.`
          : notice;
      notice = undefined;
      painted = {
        repository: paintedRepository(repository, attempt),
        ...(group && fingerprint
          ? { group: { fingerprint, representative: group.representative, members: group.members } }
          : {}),
      };
      watch.painted();
      if (group) panel.title = `Change group: ${group.title} (${job.name})`;
      return {
        ...patchFields(job, repository, picked, { patch, digest }),
        layout,
        review:
          isCurrent && latest && !fingerprint
            ? {
                state: reviewStateOf(repository),
                note: reviewStateOf(repository) === 'unreviewed' ? undefined : repository.review?.note,
              }
            : undefined,
        ...(inOrder && placeInOrder(inOrder, repository.repositoryName)),
        viewed: scope ? viewedFiles.get(scope) : undefined,
        notice: said,
        group,
        revision,
        // A group view (even of a group that is gone) reviews and revises nothing of one repository;
        // what it marks goes to every member (or the job), as it goes from one repository's view.
        revisable,
        dropScopes: revisable
          ? (['repository', 'group', 'job'] as const).slice()
          : group && patch !== undefined && latest
            ? (['group', 'job'] as const).slice()
            : undefined,
        round: fingerprint ? undefined : await roundShown(client, repository, attempt),
      };
    },
    reviewGroup: async ({ state, members }) => {
      const fingerprint = target.state.group;
      if (!fingerprint) return { done: false, message: 'This panel shows one repository, not a group.' };
      unchanged();
      const outcome = await reviewGroup(services, target.state.jobId, fingerprint, state, members);
      // This panel loads again with the others (once): the notice says what happened there.
      notice = outcome.message;
      groupReviewed(services, target.state.jobId, members);
      return outcome;
    },
    openMember: async ({ repositoryName }) => {
      if (target.state.group) openedVariants.mark(target.state.jobId, target.state.group, repositoryName);
      // Beside the group, which stays in view: its members are where the reviewer comes back to.
      services.panels.showDiff({ jobId: target.state.jobId, repositoryName }, target.state.jobName, { beside: true });
      return { done: true };
    },
    openGroup: async ({ fingerprint }) => {
      const changes = await services.connection.client.getChanges(target.state.jobId);
      const group = changes.groups.find((each) => each.fingerprint === fingerprint);
      if (!group) return { done: false, message: 'That group is gone: the job’s changes moved.' };
      target.set({
        ...target.state,
        group: fingerprint,
        repositoryName: group.representative,
        attempt: undefined,
        revision: undefined,
        open: undefined,
        scrollY: undefined,
      });
      return { done: true };
    },
    showSurroundings: async ({ repositoryName }) => {
      const fingerprint = target.state.group;
      if (!fingerprint || shownPatch?.patch === undefined) return { hunks: [], moreHunks: 0 };
      const patch = await services.patches.get({ jobId: target.state.jobId, repositoryName });
      openedVariants.mark(target.state.jobId, fingerprint, repositoryName);
      return differingSurroundings(shownPatch.patch, patch ?? '');
    },
    revisePatch: async (request) => {
      const { jobId, repositoryName } = current();
      if (target.state.group || target.state.attempt !== undefined)
        return { done: false, message: 'Open the repository’s own current diff to drop hunks from it.' };
      unchanged();
      const outcome = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: `Cody Batch: saving a revision of ${repositoryName}…` },
        () =>
          saveRevision(
            (body) => services.connection.client.revisePatch(jobId, repositoryName, body),
            repositoryName,
            request,
          ),
      );
      if (!outcome.done) {
        if (outcome.stale) {
          // Another revision was saved meanwhile: show it, and say why the marks are gone.
          services.patches.clear();
          notice = outcome.message;
          target.set({ ...target.state, revision: undefined });
        }
        return { done: false, message: outcome.message };
      }
      // "current" now names another patch: what apply, download and the diff editor read too.
      services.patches.clear();
      reviewRows.remember(outcome.row);
      void services.jobs.refresh();
      // Its fingerprint, and so its group, changed.
      services.panels.reloadGroups(jobId);
      notice = outcome.message;
      target.set({ ...target.state, revision: undefined, open: undefined, scrollY: undefined });
      return { done: true, message: outcome.message };
    },
    dropEverywhere: async ({ scope, drop }) => {
      unchanged();
      const { jobId, repositoryName } = current();
      const patch = shownPatch?.patch;
      if (!patch) return { done: false, message: 'There is no diff shown to drop anything from.' };
      const client = services.connection.client;
      const pattern = dropPattern(patch, drop);
      const what = patternText(pattern);
      const names = await dropTargets(client, jobId, scope, { group: target.state.group, repositoryName });
      if (typeof names === 'string') return { done: false, message: names };
      const count = countOf(names.length, 'repository');
      const go = `Drop from ${count}`;
      const choice = await vscode.window.showWarningMessage(
        `Drop ${what} from ${count} of ${scope === 'group' ? 'the change group' : 'the job'}?`,
        {
          modal: true,
          detail:
            'Each gets a new revision of its current patch without it, and its review is reset; a ' +
            'repository with nothing like it is left as it is. The originals stay readable (revision 0).',
        },
        go,
      );
      if (choice !== go) return { done: false, message: 'Nothing was dropped.' };
      const job = await client.getJob(jobId);
      const words = { done: `Dropped ${what} from`, things: 'repositories' };
      const results = await runJobAction(
        services,
        job,
        `dropping ${what} from ${count} of "${job.name}"`,
        words,
        names.length,
        (progress) => dropEverywhere(client, jobId, names, pattern, (step) => progress.add(step.results)),
        async () => {
          // "current" names other patches now: what apply, download and the diff editor read too.
          services.patches.clear();
          await services.jobs.jobChanged(jobId);
        },
      );
      notice = summarizeResults(results, { ...words, jobName: job.name }).message;
      for (const result of results)
        if (result.outcome === 'done') services.panels.reloadDiff({ jobId, repositoryName: result.repositoryName });
      if (target.state.group) {
        // The members that took the revision moved together, to a group of their own: show that one.
        const now = await groupNow(client, jobId, repositoryName);
        target.set({
          ...target.state,
          ...(now ? { group: now.fingerprint, repositoryName: now.representative } : {}),
          open: undefined,
          scrollY: undefined,
        });
      } else target.set({ ...target.state, revision: undefined, open: undefined, scrollY: undefined });
      services.panels.reloadGroups(jobId);
      return { done: true, message: notice };
    },
    showRevision: async ({ revision }) => {
      const repository = await services.connection.client.getRepository(
        target.state.jobId,
        target.state.repositoryName,
      );
      const { shown, current: latest } = revisionShown(repository, revision);
      target.set({
        ...target.state,
        revision: shown === latest ? undefined : shown,
        open: undefined,
        scrollY: undefined,
      });
      return { done: true };
    },
    // `digest`: the patch the page painted; the API approves only that one (409 PATCH_CHANGED otherwise).
    review: async ({ state, note, digest }) => {
      const { jobId, repositoryName } = current();
      const [doing, done] = REVIEW_VERBS[state];
      if (target.state.attempt !== undefined)
        throw new Error(`This is an earlier attempt of ${repositoryName}: open its current attempt to review it.`);
      unchanged();
      return vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: `Cody Batch: ${doing} ${repositoryName}…` },
        async () => {
          let row: RepositoryResult;
          try {
            row = await services.connection.client.reviewRepository(jobId, repositoryName, {
              state,
              ...(note?.trim() ? { note: note.trim() } : {}),
              ...(shownPatch ? { attempt: shownPatch.attempt } : {}),
              ...(digest ? { digest } : {}),
            });
          } catch (error) {
            // The API reviews only what was painted (its attempt, its digest): anything else is a
            // view that no longer shows what is there, and it says so until it is reloaded.
            if (error instanceof ApiError && error.status === 409) {
              const message = refusedAsChanged(repositoryName, error.message);
              watch.changed(message);
              throw new Error(message);
            }
            throw new Error(
              `${doing} ${repositoryName} failed: ${error instanceof Error ? error.message : String(error)}`,
            );
          }
          void services.jobs.refresh();
          services.panels.reloadGroups(jobId);
          const inOrder = await order(row);
          const after = afterReview(inOrder, repositoryName, state, done);
          notice = after.notice;
          showRepository(after.goTo);
          return { done: true, message: notice };
        },
      );
    },
    setViewed: async ({ path, viewed }) => {
      const scope = viewedScope();
      if (!scope) return { done: false, message: 'This repository has no diff to mark.' };
      await viewedFiles.set(scope, path, viewed);
      return { done: true };
    },
    showRepository: async ({ direction }) => stepRepository(direction),
    openFileInDiffEditor: async ({ path }) => {
      await services.diffDocuments.open({ ...ref(), ...shownPatch }, path);
      return { done: true };
    },
    // The patch painted, not whatever is current by now.
    applyToLocalCheckout: async () => {
      unchanged();
      await vscode.commands.executeCommand('codyBatch.applyPatch', current(), { patch: shownPatch?.patch });
      return { done: true };
    },
    downloadPatch: async () => {
      unchanged();
      await vscode.commands.executeCommand('codyBatch.downloadPatch', current(), { patch: shownPatch?.patch });
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
    showAttempt: ({ attempt }) => showAttempt(services, target, attempt),
  };

  async function stepRepository(direction: Direction) {
    const inOrder = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'Cody Batch: reading the job’s repositories…' },
      () => order(),
    );
    const step = stepTarget(inOrder, target.state.repositoryName, direction);
    if ('message' in step) return { done: false, message: step.message };
    showRepository(step.goTo);
    return { done: true };
  }
}
