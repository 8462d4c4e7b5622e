import { patchFileName } from '../../common/names';
import { attemptChoices, attemptOutcome } from '../../common/attempts';
import { roundShown } from '../../common/followUps';
import { overviewRows } from '../../common/overviewRows';
import { ApiError, type CodyBatchClient } from '../../common/client';
import { checkDraft, repositoryListEntries } from '../../common/jobDraft';
import { fieldErrorsFromApi } from '../../common/jobDraftSections';
import { groupShown } from '../../common/changeGroupText';
import { OpenedVariants, reviewGroupOutcome } from '../../common/groupReview';
import { patchFields, patchShown, revisionShown, saveRevision } from '../../common/patchRevisions';
import { summarizeResults } from '../../common/actionResults';
import { codeHostKindOf } from '../../common/codeHostKind';
import { dropEverywhere, dropPattern, dropTargets, groupNow, patternText } from '../../common/dropEverywhere';
import { isRepositoryName } from '../../common/repositoryNames';
import type { Job } from '../../common/schemas';
import { differingSurroundings } from '../../common/surroundings';
import {
  overviewChange,
  type PaintedView,
  paintedOverview,
  paintedRepository,
  refusedAsChanged,
  viewChange,
} from '../../common/viewChanges';
import {
  type createJobProtocol,
  DiffLayout,
  type diffProtocol,
  type overviewProtocol,
  type Handlers,
  ProtocolError,
  type RepositoryRef,
  type threadProtocol,
} from '../../common/webviewProtocol';
import { reviewAndMoveOn, reviewLine, reviewOrderOf, setViewed, viewedFiles } from './reviewInPage';
import { stepTarget } from '../../common/reviewQueue';
import { type Route, routeHref } from './routes';
import type { PageWatch } from './viewWatch';

// The web app's side of the views' protocol: what the extension's panels do, done in the page.
// Talking to the API is the typed client over fetch; opening a link is a new tab (http and https
// only, without an opener); saving a patch is a download; another attempt is another address.
// What only VS Code can do (apply to a checkout, its diff editor, the workspace's remotes) is
// not offered: the app's stylesheet hides those buttons, and the handlers say so if asked anyway.

export interface PageServices {
  client: CodyBatchClient;
  window: Window;
  /** Goes to a page of the app (a new history entry). */
  navigate(route: Route): void;
  /** Starts follow-up rounds on some repositories (the job page's dialog); absent where no page offers it. */
  followUp?(repositories: string[], target: string): void;
}

const LAYOUT_KEY = 'cody-batch.diffLayout';
const ONLY_IN_VS_CODE = 'This needs VS Code: open the repository there, or use the cody-batch CLI';

/** Opens an http(s) link in a new tab; the page it opens gets no handle on this one. */
export function openExternal(window: Window, url: string): { done: boolean; message?: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { done: false, message: 'Not a link' };
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    return { done: false, message: 'Only web links open' };
  window.open(parsed.toString(), '_blank', 'noopener,noreferrer');
  return { done: true };
}

/** Saves text as a file through the browser's download. */
export function saveFile(window: Window, name: string, text: string, type: string): void {
  const document = window.document;
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** What the last review said, shown once on the page it led to ("Approved acme/a. Next unreviewed: acme/b."). */
let pendingNotice: string | undefined;

/** The members in other surroundings opened from group pages in this tab: what a group approval names. */
const openedVariants = new OpenedVariants();

/** A diff page: one repository's patch (an attempt, a revision), or a change group's representative. */
export interface DiffPlace extends RepositoryRef {
  group?: string;
  revision?: number;
}

/**
 * `watch`: the page's looks at what it painted (webviews/app/viewWatch.ts). Once one finds it
 * changed, or the API refuses what was painted (409), nothing here acts until the page loads again.
 */
export function diffHandlers(
  services: PageServices,
  asked: DiffPlace,
  watch?: PageWatch,
): Handlers<typeof diffProtocol> {
  const { client, window } = services;
  const unchanged = () => {
    try {
      watch?.unchanged();
    } catch (error) {
      throw new ProtocolError(error instanceof Error ? error.message : String(error));
    }
  };
  // A group page shows the group's representative as the group is now (see load).
  const ref = { ...asked };
  let shown: { attempt: number; failed: boolean; pullRequestUrl?: string; patch?: string; job?: Job } | undefined;
  const place = () =>
    shown?.patch === undefined
      ? undefined
      : { jobId: ref.jobId, repositoryName: ref.repositoryName, attempt: shown.attempt, patch: shown.patch };
  const goTo = (repositoryName: string) => services.navigate({ page: 'diff', jobId: ref.jobId, repositoryName });
  const here = (change: Partial<DiffPlace>) =>
    services.navigate({ page: 'diff', jobId: ref.jobId, repositoryName: ref.repositoryName, ...change });
  const fetchPatch = async () => {
    const attempt = shown?.attempt ?? ref.attempt;
    const { patch } = await client.getDiff(ref.jobId, ref.repositoryName, { attempt, failed: shown?.failed });
    return patch;
  };
  return {
    load: async () => {
      const fingerprint = ref.group;
      // A member that left the group (its diff changed) does not stand for it any more.
      const changes = fingerprint ? await client.getChanges(ref.jobId) : undefined;
      const representative = changes?.groups.find((each) => each.fingerprint === fingerprint)?.representative;
      if (representative && representative !== ref.repositoryName) {
        ref.repositoryName = representative;
        ref.attempt = undefined;
        ref.revision = undefined;
      }
      const [job, repository] = await Promise.all([
        client.getJob(ref.jobId),
        client.getRepository(ref.jobId, ref.repositoryName),
      ]);
      const picked = patchShown(repository, ref);
      const { outcome, kept, attempt, isCurrent, revision, latest, fetch, request } = picked;
      const { patch, digest } = fetch
        ? await client.getDiff(ref.jobId, ref.repositoryName, request)
        : { patch: undefined, digest: undefined };
      shown = { attempt, failed: kept, pullRequestUrl: outcome.pullRequestUrl, patch, job };
      // The progress line and the neighbours need every row; a failure there still shows the diff.
      const order = await reviewOrderOf(client, job).catch(() => undefined);
      const line = order ? reviewLine(order, repository, isCurrent && latest && !fingerprint) : {};
      const group =
        changes && fingerprint
          ? groupShown(changes, fingerprint, order ?? [repository], openedVariants.names(job.jobId, fingerprint))
          : undefined;
      const viewing = place();
      const painted: PaintedView = {
        repository: paintedRepository(repository, attempt),
        ...(group && fingerprint
          ? { group: { fingerprint, representative: group.representative, members: group.members } }
          : {}),
      };
      watch?.painted(() => viewChange(client, ref.jobId, painted));
      const notice =
        fingerprint && changes && !group
          ? `This group is gone (the job's changes moved): ${repository.repositoryName}'s diff is shown, to read. Open the job for the groups as they are now.`
          : pendingNotice;
      pendingNotice = undefined;
      return {
        ...line,
        viewed: viewing ? viewedFiles(window.localStorage, viewing) : undefined,
        notice,
        ...patchFields(job, repository, picked, { patch, digest }),
        layout: DiffLayout.optional()
          .catch(undefined)
          .parse(window.localStorage.getItem(LAYOUT_KEY) ?? undefined),
        group,
        revision,
        // A group page (even of a group that is gone) reviews and revises nothing of one repository.
        revisable: !fingerprint && latest && outcome.status === 'COMPLETED' && patch !== undefined,
        round: fingerprint ? undefined : await roundShown(client, repository, attempt),
      };
    },
    reviewGroup: async ({ state, members }) => {
      if (!ref.group) return { done: false, message: 'This page shows one repository, not a group.' };
      unchanged();
      const fingerprint = ref.group;
      const outcome = await reviewGroupOutcome(
        () =>
          client.reviewChangeGroup(ref.jobId, fingerprint, {
            state,
            members,
            openedVariants: openedVariants.names(ref.jobId, fingerprint),
          }),
        state,
        members.map((member) => member.repositoryName),
      );
      pendingNotice = outcome.message;
      here({ group: fingerprint });
      return outcome;
    },
    openGroup: async ({ fingerprint }) => {
      const changes = await client.getChanges(ref.jobId);
      const group = changes.groups.find((each) => each.fingerprint === fingerprint);
      if (!group) return { done: false, message: 'That group is gone: the job’s changes moved.' };
      services.navigate({ page: 'diff', jobId: ref.jobId, repositoryName: group.representative, group: fingerprint });
      return { done: true };
    },
    openMember: ({ repositoryName }) => {
      if (ref.group) openedVariants.mark(ref.jobId, ref.group, repositoryName);
      goTo(repositoryName);
      return { done: true };
    },
    showSurroundings: async ({ repositoryName }) => {
      if (!ref.group || shown?.patch === undefined) return { hunks: [], moreHunks: 0 };
      const { patch } = await client.getDiff(ref.jobId, repositoryName);
      openedVariants.mark(ref.jobId, ref.group, repositoryName);
      return differingSurroundings(shown.patch, patch ?? '');
    },
    revisePatch: async (request) => {
      if (ref.group || ref.attempt !== undefined)
        return { done: false, message: 'Open the repository’s own current diff to drop hunks from it.' };
      unchanged();
      const outcome = await saveRevision(
        (body) => client.revisePatch(ref.jobId, ref.repositoryName, body),
        ref.repositoryName,
        request,
      );
      if (outcome.done || outcome.stale) {
        // Saved (or another revision was saved meanwhile): show the current one, and say why.
        pendingNotice = outcome.message;
        here({});
      }
      return { done: outcome.done, message: outcome.message };
    },
    dropEverywhere: async ({ scope, drop }) => {
      if (!shown?.patch || !shown.job) return { done: false, message: 'There is no diff shown to drop anything from.' };
      unchanged();
      const pattern = dropPattern(shown.patch, drop);
      const what = patternText(pattern);
      const names = await dropTargets(client, ref.jobId, scope, ref);
      if (typeof names === 'string') return { done: false, message: names };
      const count = `${names.length} ${names.length === 1 ? 'repository' : 'repositories'}`;
      if (!window.confirm(`Drop ${what} from ${count}? Each gets a new revision without it; its review is reset.`))
        return { done: false, message: 'Nothing was dropped.' };
      const results = await dropEverywhere(client, ref.jobId, names, pattern);
      pendingNotice = summarizeResults(results, {
        done: `Dropped ${what} from`,
        things: 'repositories',
        jobName: shown.job.name,
      }).message;
      // The members that took the revision moved together, to a group of their own: show that one.
      const now = ref.group ? await groupNow(client, ref.jobId, ref.repositoryName) : undefined;
      services.navigate({
        page: 'diff',
        jobId: ref.jobId,
        repositoryName: now?.representative ?? ref.repositoryName,
        ...(ref.group ? { group: now?.fingerprint ?? ref.group } : {}),
      });
      return { done: true, message: pendingNotice };
    },
    showRevision: async ({ revision }) => {
      const repository = await client.getRepository(ref.jobId, ref.repositoryName);
      const { shown: asked, current } = revisionShown(repository, revision);
      here(asked === current ? {} : { revision: asked });
      return { done: true };
    },
    // `digest`: the patch the page painted; the API approves only that one (409 PATCH_CHANGED otherwise).
    review: async ({ state, note, digest }) => {
      if (!shown?.job) throw new ProtocolError('The diff has not loaded yet');
      const repository = await client.getRepository(ref.jobId, ref.repositoryName);
      if (shown.attempt !== repository.attempt)
        throw new ProtocolError(
          `This is an earlier attempt of ${ref.repositoryName}: open its current attempt to review it.`,
        );
      unchanged();
      const moved = await reviewAndMoveOn(
        client,
        shown.job,
        { repositoryName: ref.repositoryName, attempt: shown.attempt, digest },
        state,
        note,
      ).catch((error: unknown) => {
        // The API reviews only what was painted (its attempt, its digest): anything else is a page
        // that no longer shows what is there, and it says so until it is loaded again.
        if (error instanceof ApiError && error.status === 409) {
          const message = refusedAsChanged(ref.repositoryName, error.message);
          watch?.changed(message);
          throw new ProtocolError(message);
        }
        throw error;
      });
      pendingNotice = moved.notice;
      goTo(moved.goTo);
      return { done: true, message: moved.notice };
    },
    setViewed: ({ path, viewed }) => {
      const viewing = place();
      if (!viewing) return { done: false, message: 'This repository has no diff to mark.' };
      setViewed(window.localStorage, viewing, path, viewed);
      return { done: true };
    },
    showRepository: async ({ direction }) => {
      const job = shown?.job ?? (await client.getJob(ref.jobId));
      const target = stepTarget(await reviewOrderOf(client, job), ref.repositoryName, direction);
      if ('message' in target) return { done: false, message: target.message };
      goTo(target.goTo);
      return { done: true };
    },
    openFileInDiffEditor: () => ({ done: false, message: ONLY_IN_VS_CODE }),
    applyToLocalCheckout: () => ({ done: false, message: ONLY_IN_VS_CODE }),
    downloadPatch: async () => {
      unchanged();
      // The patch painted, not whatever is current by now.
      const patch = shown ? shown.patch : await fetchPatch();
      if (patch === undefined) throw new ProtocolError('This attempt made no changes: there is no patch');
      saveFile(window, patchFileName(ref), patch, 'text/x-diff');
      return { done: true };
    },
    openPullRequest: () =>
      shown?.pullRequestUrl ? openExternal(window, shown.pullRequestUrl) : { done: false, message: 'No pull request' },
    rememberLayout: ({ layout }) => {
      window.localStorage.setItem(LAYOUT_KEY, layout);
      return { done: true };
    },
    showAttempt: ({ attempt }) => showAttempt(services, 'diff', ref, attempt),
  };
}

/** The Job overview: the job and its rows (all, or a large job's failed ones); a failed repository opens as its log or kept diff page. */
export function overviewHandlers(
  services: PageServices,
  jobId: string,
  watch?: PageWatch,
): Handlers<typeof overviewProtocol> {
  const { client } = services;
  return {
    load: async () => {
      // common/overviewRows.ts: a small job's every row, a large job's failed rows (its counts are the job's).
      const [{ job, repositories }, changes] = await Promise.all([
        client.getJob(jobId).then(async (job) => ({ job, repositories: await overviewRows(client, job) })),
        client.getChanges(jobId).then(
          (value) => ({ value }),
          (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
        ),
      ]);
      const painted = paintedOverview(job, 'value' in changes ? changes.value : undefined);
      watch?.painted(() => overviewChange(client, jobId, painted));
      return 'value' in changes
        ? { job, repositories, changes: changes.value }
        : { job, repositories, changesError: changes.error };
    },
    reviewGroup: ({ fingerprint, state, members }) =>
      reviewGroupOutcome(
        () =>
          client.reviewChangeGroup(jobId, fingerprint, {
            state,
            members,
            openedVariants: openedVariants.names(jobId, fingerprint),
          }),
        state,
        members.map((member) => member.repositoryName),
      ),
    openGroup: async ({ fingerprint }) => {
      const changes = await client.getChanges(jobId);
      const group = changes.groups.find((each) => each.fingerprint === fingerprint);
      if (!group) return { done: false, message: 'This group is gone: the job’s changes moved.' };
      services.navigate({ page: 'diff', jobId, repositoryName: group.representative, group: fingerprint });
      return { done: true };
    },
    openRepository: ({ repositoryName, view }) => {
      services.navigate({ page: view === 'diff' ? 'diff' : 'log', jobId, repositoryName });
      return { done: true };
    },
    followUpGroup: ({ repositories, title }) => {
      if (!services.followUp) return { done: false, message: 'Follow up from the job’s page' };
      services.followUp(repositories, `the change group "${title}"`);
      return { done: true };
    },
  };
}

export function threadHandlers(services: PageServices, ref: RepositoryRef): Handlers<typeof threadProtocol> {
  const { client, window } = services;
  const read = async () => {
    const [repository, thread] = await Promise.all([
      client.getRepository(ref.jobId, ref.repositoryName),
      client.getThread(ref.jobId, ref.repositoryName, { attempt: ref.attempt }),
    ]);
    const outcome = attemptOutcome(repository, ref.attempt);
    return {
      status: outcome.status,
      error: outcome.error,
      thread,
      attempt: ref.attempt ?? repository.attempt,
      attempts: attemptChoices(repository),
    };
  };
  return {
    load: async () => {
      const [job, current] = await Promise.all([client.getJob(ref.jobId), read()]);
      return { jobId: job.jobId, repositoryName: ref.repositoryName, jobName: job.name, ...current };
    },
    refresh: async () => {
      const { status, error, thread } = await read();
      return { status, error, thread };
    },
    openLink: ({ url }) => openExternal(window, url),
    showAttempt: ({ attempt }) => showAttempt(services, 'thread', ref, attempt),
  };
}

/** The server's words when they say what to change: a 400, or a code host it could not reach (502). */
/** Shows `attempt` of the repository on `page`; the current attempt by the plain address. */
async function showAttempt(
  services: PageServices,
  page: 'diff' | 'thread',
  ref: RepositoryRef,
  attempt: number,
): Promise<{ done: boolean }> {
  const repository = await services.client.getRepository(ref.jobId, ref.repositoryName);
  services.navigate({
    page,
    jobId: ref.jobId,
    repositoryName: ref.repositoryName,
    ...(attempt === repository.attempt ? {} : { attempt }),
  });
  return { done: true };
}

function ownWords(error: unknown): error is ApiError {
  return error instanceof ApiError && (error.status === 400 || error.code === 'HOST_UNAVAILABLE');
}

function messageOf(error: unknown, doing: string): string {
  if (error instanceof ApiError && error.unreachable) return `${doing} failed: the API could not be reached`;
  return `${doing} failed: ${error instanceof Error ? error.message : String(error)}`;
}

export function createJobHandlers(services: PageServices, apiUrl: string): Handlers<typeof createJobProtocol> {
  const { client, window } = services;
  let created: string | undefined;
  return {
    load: async () => ({ prompt: '', connected: true, apiUrl, codeHost: await codeHostKindOf(client) }),
    sandbox: async () => ({ status: await client.sandbox().catch(() => undefined) }),
    pickWorkspaceRepositories: () => {
      throw new ProtocolError(ONLY_IN_VS_CODE);
    },
    loadRepositoriesFromFile: () => pickRepositoryFile(window),
    previewRepositories: async (request) => {
      try {
        return { ok: true, ...(await client.resolveRepositories(request)) };
      } catch (error) {
        if (ownWords(error)) {
          return {
            ok: false,
            message: error.message,
            fieldErrors: fieldErrorsFromApi(error.code, error.message, { repositorySource: 'query' }),
          };
        }
        const message = messageOf(error, 'Previewing the repositories');
        return { ok: false, message, fieldErrors: { repositoryQuery: message } };
      }
    },
    submit: async ({ draft }) => {
      const checked = checkDraft(draft);
      if (!checked.ok) return checked;
      try {
        const job = await client.createJob(checked.request);
        created = job.jobId;
        return { ok: true, job };
      } catch (error) {
        if (ownWords(error))
          return {
            ok: false,
            fieldErrors: fieldErrorsFromApi(error.code, error.message, draft),
            message: error.message,
          };
        const message = messageOf(error, 'Creating the job');
        return { ok: false, fieldErrors: { form: message }, message };
      }
    },
    // After a job was created: its page; on Cancel: back where the person came from.
    close: () => {
      if (created) services.navigate({ page: 'job', jobId: created });
      else if (window.history.length > 1) window.history.back();
      else window.location.hash = routeHref({ page: 'jobs' });
      return { done: true };
    },
    takeOfferedPrompt: () => ({}),
    takeOfferedDraft: () => ({}),
  };
}

/** The browser's file picker for a repository list: its entries, and those that are not owner/name. */
function pickRepositoryFile(window: Window): Promise<{ repositories: string[]; skipped: string[] }> {
  return new Promise((resolve, reject) => {
    const input = window.document.createElement('input');
    input.type = 'file';
    input.accept = '.txt,.csv,.json,.list,text/plain,application/json';
    input.addEventListener('change', () => {
      const file = input.files?.[0];
      if (!file) return resolve({ repositories: [], skipped: [] });
      file.text().then((text) => {
        const entries = repositoryListEntries(text);
        resolve({
          repositories: entries.filter(isRepositoryName),
          skipped: entries.filter((entry) => !isRepositoryName(entry)).slice(0, 50),
        });
      }, reject);
    });
    input.addEventListener('cancel', () => resolve({ repositories: [], skipped: [] }));
    input.click();
  });
}
