import * as z from 'zod';
import { DraftSections } from './jobDraftSections';
import { SandboxStatus } from './sandbox';
import {
  CodeHostInfo,
  Job,
  JobChanges,
  PatchRevisionRequest,
  RepositoryError,
  RepositoryResolution,
  ResolveRepositoriesRequest,
  PatchDigest,
  ReviewRequest,
  ReviewState,
  RepositoryResult,
  Thread,
} from './schemas';

// The message protocol between the extension and its webviews. A webview sends requests
// (`{kind: 'request', id, method, params}`) and the extension answers each with a reply carrying the
// same id; the extension may also push events. Every view declares its methods and events with zod
// schemas, and both ends validate what they receive: a webview is untrusted content, and the
// extension host is not to be trusted blindly by the page either.

export const RequestMessage = z.object({
  kind: z.literal('request'),
  id: z.number().int().nonnegative(),
  method: z.string().min(1).max(100),
  params: z.unknown(),
});
export type RequestMessage = z.infer<typeof RequestMessage>;

export const ReplyMessage = z.discriminatedUnion('ok', [
  z.object({ kind: z.literal('reply'), id: z.number().int().nonnegative(), ok: z.literal(true), result: z.unknown() }),
  z.object({ kind: z.literal('reply'), id: z.number().int().nonnegative(), ok: z.literal(false), error: z.string() }),
]);
export type ReplyMessage = z.infer<typeof ReplyMessage>;

export const EventMessage = z.object({
  kind: z.literal('event'),
  name: z.string().min(1).max(100),
  payload: z.unknown(),
});
export type EventMessage = z.infer<typeof EventMessage>;

export interface MethodSpec<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  params: P;
  result: R;
}

export interface ProtocolSpec {
  requests: Record<string, MethodSpec>;
  events: Record<string, z.ZodType>;
}

export type Params<S extends ProtocolSpec, M extends keyof S['requests']> = z.input<S['requests'][M]['params']>;
export type Result<S extends ProtocolSpec, M extends keyof S['requests']> = z.infer<S['requests'][M]['result']>;
export type Payload<S extends ProtocolSpec, E extends keyof S['events']> = z.infer<S['events'][E]>;

export type Handlers<S extends ProtocolSpec> = {
  [M in keyof S['requests']]: (params: z.infer<S['requests'][M]['params']>) => Promise<Result<S, M>> | Result<S, M>;
};

/** An error whose message may be shown to the user as it is. */
export class ProtocolError extends Error {}

/**
 * The extension's end: checks a message from the page and runs its handler. Anything that is not
 * a well-formed request for a declared method gets an error reply (or is ignored, when it has no id).
 */
export async function answerRequest<S extends ProtocolSpec>(
  spec: S,
  handlers: Handlers<S>,
  message: unknown,
  onError: (error: unknown, method: string) => string = defaultErrorText,
): Promise<ReplyMessage | undefined> {
  const request = RequestMessage.safeParse(message);
  if (!request.success) return undefined;
  const { id, method } = request.data;
  const methodSpec = Object.hasOwn(spec.requests, method) ? spec.requests[method] : undefined;
  if (!methodSpec) return { kind: 'reply', id, ok: false, error: `Unknown request "${method}"` };
  const params = methodSpec.params.safeParse(request.data.params ?? {});
  if (!params.success)
    return { kind: 'reply', id, ok: false, error: `Bad "${method}" request: ${params.error.issues[0]?.message ?? ''}` };
  try {
    const handler = handlers[method as keyof S['requests']];
    const result = await handler(params.data as never);
    return { kind: 'reply', id, ok: true, result };
  } catch (error) {
    return { kind: 'reply', id, ok: false, error: onError(error, method) };
  }
}

function defaultErrorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function eventMessage<S extends ProtocolSpec, E extends keyof S['events'] & string>(
  _spec: S,
  name: E,
  payload: Payload<S, E>,
): EventMessage {
  return { kind: 'event', name, payload };
}

/**
 * The page's end: sends typed requests and checks every reply and event against the schemas.
 * `post` and `listen` are the webview API (`acquireVsCodeApi().postMessage`, `window.onmessage`).
 */
export class ProtocolClient<S extends ProtocolSpec> {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { method: string; resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  private readonly listeners = new Map<string, ((payload: unknown) => void)[]>();

  constructor(
    private readonly spec: S,
    private readonly post: (message: RequestMessage) => void,
  ) {}

  request<M extends keyof S['requests'] & string>(method: M, params: Params<S, M>): Promise<Result<S, M>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { method, resolve: resolve as (value: unknown) => void, reject });
      this.post({ kind: 'request', id, method, params });
    });
  }

  on<E extends keyof S['events'] & string>(name: E, listener: (payload: Payload<S, E>) => void): void {
    const list = this.listeners.get(name) ?? [];
    list.push(listener as (payload: unknown) => void);
    this.listeners.set(name, list);
  }

  /** Feed every message the page receives through here. */
  receive(message: unknown): void {
    const reply = ReplyMessage.safeParse(message);
    if (reply.success) {
      const waiting = this.pending.get(reply.data.id);
      if (!waiting) return;
      this.pending.delete(reply.data.id);
      if (!reply.data.ok) {
        waiting.reject(new Error(reply.data.error));
        return;
      }
      const result = this.spec.requests[waiting.method]!.result.safeParse(reply.data.result);
      if (result.success) waiting.resolve(result.data);
      else waiting.reject(new Error(`The extension's answer to "${waiting.method}" has an unexpected shape`));
      return;
    }
    const event = EventMessage.safeParse(message);
    if (!event.success || !Object.hasOwn(this.spec.events, event.data.name)) return;
    const payload = this.spec.events[event.data.name]!.safeParse(event.data.payload);
    if (!payload.success) return;
    for (const listener of this.listeners.get(event.data.name) ?? []) listener(payload.data);
  }
}

// ---------------------------------------------------------------------------------------------
// The views. Each has a panel state (what `setState` keeps and the serializer restores) and a spec.

export const RepositoryRef = z.object({
  jobId: z.string().min(1).max(200),
  repositoryName: z.string().min(1).max(200),
  /** An earlier attempt's artifacts; absent: the current attempt's. */
  attempt: z.number().int().min(1).max(10_000).optional(),
});
export type RepositoryRef = z.infer<typeof RepositoryRef>;

/** What a panel's title names besides the repository: its job, so two jobs' tabs can be told apart. */
const PanelTitle = z.object({ jobName: z.string().max(1_000).optional().catch(undefined) });

export const DiffLayout = z.enum(['side-by-side', 'line-by-line']);
export type DiffLayout = z.infer<typeof DiffLayout>;

/** The most open sections a page remembers (see webviews/shared/viewMemory.ts). */
export const MAX_OPEN_KEYS = 2000;

/**
 * Where the user was on a page: which sections were open (file paths, section ids) and how far it
 * was scrolled, so a panel comes back at the same place after switching tabs. A bad value is
 * dropped rather than losing the panel.
 */
export const ViewPlace = z.object({
  open: z.array(z.string().max(4096)).max(MAX_OPEN_KEYS).optional().catch(undefined),
  scrollY: z.number().nonnegative().max(100_000_000).optional().catch(undefined),
});
export type ViewPlace = z.infer<typeof ViewPlace>;

/** A change group of a job, by its exact fingerprint (SHA-256 hex). */
export const GroupFingerprint = z.string().regex(/^[0-9a-f]{64}$/);

export const DiffPanelState = RepositoryRef.extend({
  layout: DiffLayout.default('side-by-side'),
  /** The panel shows this change group (its representative's diff, with its members); absent: one repository. */
  group: GroupFingerprint.optional().catch(undefined),
  /** An earlier revision of the patch, read-only (0: the worker's own diff); absent: the current one. */
  revision: z.number().int().min(0).max(10_000).optional().catch(undefined),
  ...ViewPlace.shape,
  ...PanelTitle.shape,
});
export type DiffPanelState = z.infer<typeof DiffPanelState>;

const Done = z.object({ done: z.boolean(), message: z.string().optional() });

/** An attempt of a repository, for the list of attempts a view offers. */
export const AttemptChoice = z.object({ attempt: z.number().int(), status: z.string() });
export type AttemptChoice = z.infer<typeof AttemptChoice>;

/** What every repository view shows at its top: which attempt it shows, of how many, and the others. */
const RepositoryHeading = RepositoryRef.extend({
  jobName: z.string(),
  attempt: z.number().int().optional(),
  attempts: z.array(AttemptChoice).max(10_000).optional(),
});

export const Direction = z.enum(['previous', 'next']);
export type Direction = z.infer<typeof Direction>;

/** A reviewer's verdict on a repository or a group (taking a review back is done per repository). */
export const Verdict = ReviewState.exclude(['unreviewed']);
export type Verdict = z.infer<typeof Verdict>;

/** A member of a change group as the group view lists it, with its patch's digest as the job's changes gave it. */
export const GroupMember = z.object({
  repositoryName: z.string().max(200),
  state: ReviewState,
  digest: PatchDigest.optional(),
});
export type GroupMember = z.infer<typeof GroupMember>;

/** A member a group review was shown, with the digest of its patch as shown: the API refuses any other. */
export const ShownMember = z.object({ repositoryName: z.string().min(1).max(200), digest: PatchDigest });
export type ShownMember = z.infer<typeof ShownMember>;

/** The change group a diff panel shows: its representative's diff is the page's patch. */
export const GroupShown = z.object({
  fingerprint: GroupFingerprint,
  /** "38 repositories · the same change", "4 · a variant of the same change: only indentation differs", "1 · outlier: touches package-lock.json". */
  title: z.string().max(2_000),
  representative: z.string().max(200),
  members: z.array(GroupMember).max(100_000),
  /**
   * Members with the same lines in other surroundings than the representative's, one entry per
   * distinct surroundings; `opened` once one of its members was shown (its surroundings, or its own
   * diff). Approve group waits until every one is.
   */
  surroundings: z
    .array(z.object({ repositories: z.array(z.string().max(200)).max(100_000), opened: z.boolean() }))
    .max(100_000)
    .optional(),
  /** An outlier's Approve is a secondary button, never the primary one. */
  kind: z.enum(['main', 'variant', 'outlier', 'other']).optional(),
  /** The next group (in the overview's order, going round) with a member not reviewed yet. */
  next: z.object({ fingerprint: GroupFingerprint, title: z.string().max(2_000) }).optional(),
});
export type GroupShown = z.infer<typeof GroupShown>;

/** A member's hunks whose surroundings differ from the representative's (`common/surroundings.ts`). */
export const SurroundingsShown = z.object({
  hunks: z
    .array(
      z.object({
        path: z.string().max(4096),
        header: z.string().max(4096),
        lines: z.array(z.object({ text: z.string().max(100_000), differs: z.boolean() })).max(1_000),
        moreLines: z.number().int().min(0),
      }),
    )
    .max(1_000),
  moreHunks: z.number().int().min(0),
});
export type SurroundingsShown = z.infer<typeof SurroundingsShown>;

/** Which revision of the patch a diff panel shows, of how many (0: the worker's own diff). */
export const RevisionShown = z.object({
  shown: z.number().int().min(0),
  current: z.number().int().min(0),
});
export type RevisionShown = z.infer<typeof RevisionShown>;

/** Where what is marked to drop goes: this repository's patch, every member of its group, every repository of the job. */
export const DropScope = z.enum(['repository', 'group', 'job']);
export type DropScope = z.infer<typeof DropScope>;

/** A follow-up round above its diff: its heading and what it acted on (the host's words, shown as text). */
export const RoundShown = z.object({
  heading: z.string().max(2_000),
  parts: z
    .array(
      z.object({
        title: z.string().max(2_000),
        text: z.string().max(100_000).optional(),
        where: z.string().max(4_096).optional(),
        url: z.string().max(2_048).optional(),
      }),
    )
    .max(500),
  /** Why the parts are missing (the trigger could not be read). */
  note: z.string().max(2_000).optional(),
});
export type RoundShown = z.infer<typeof RoundShown>;

/** A repository's review as the diff view shows it. */
export const DiffReview = z.object({ state: ReviewState, note: z.string().max(2_000).optional() });
export type DiffReview = z.infer<typeof DiffReview>;

export const diffProtocol = {
  requests: {
    /** The page is ready: the diff to show. `patch` is undefined when the run made no changes. */
    load: {
      params: z.object({}),
      result: RepositoryHeading.extend({
        patch: z.string().optional(),
        /** The SHA-256 of the patch's bytes as the host received them: what a review of it sends back. */
        digest: PatchDigest.optional(),
        pullRequestUrl: z.string().optional(),
        /** The layout last chosen in any diff panel, for a panel that has no choice of its own yet. */
        layout: DiffLayout.optional(),
        /**
         * The change was kept though its verification failed (a command job's): shown with the
         * failure above it, and offered for reading only, not to apply.
         */
        failure: RepositoryError.optional(),
        /** The review of the shown attempt, when it is the current one (absent on an earlier attempt). */
        review: DiffReview.optional(),
        /** "12 of 40 reviewed · 10 approved, 2 rejected": the job's COMPLETED repositories. */
        progress: z.string().max(200).optional(),
        /** The repositories Previous and Next Repository go to, in the tree's order. */
        previousRepository: z.string().max(200).optional(),
        nextRepository: z.string().max(200).optional(),
        /** The files this reviewer marked Viewed in this attempt's patch: they show collapsed. */
        viewed: z.array(z.string().max(4096)).max(MAX_OPEN_KEYS).optional(),
        /** What the last action did, said once on the page it led to ("Approved acme/a. Now acme/b."). */
        notice: z.string().max(2_000).optional(),
        /** Group mode: the group whose representative's diff this is, with its members. */
        group: GroupShown.optional(),
        /** The revision shown and the current one, when the patch has revisions or can take one. */
        revision: RevisionShown.optional(),
        /** Hunks and files may be dropped from this patch (its current revision, on the current attempt). */
        revisable: z.boolean().optional(),
        /** Where marked hunks and files may be dropped from (a group view: its members, the job). */
        dropScopes: z.array(DropScope).max(3).optional(),
        /** The shown attempt is a follow-up round: what triggered it, above its diff. */
        round: RoundShown.optional(),
      }),
    },
    /**
     * Group mode: approve or reject every member shown (refused when the group or a member's patch
     * changed since). The host sends the members in other surroundings this reviewer opened with it.
     */
    reviewGroup: {
      params: z.object({ state: Verdict, members: z.array(ShownMember).max(1_000) }),
      result: Done,
    },
    /** Group mode: open a member's own diff (a member in other surroundings counts as opened). */
    openMember: { params: z.object({ repositoryName: z.string().min(1).max(200) }), result: Done },
    /** Group mode: a member's hunks whose surroundings differ from the representative's; it counts as opened. */
    showSurroundings: {
      params: z.object({ repositoryName: z.string().min(1).max(200) }),
      result: SurroundingsShown,
    },
    /** Group mode: show another group of the job in this tab (the next unreviewed one). */
    openGroup: { params: z.object({ fingerprint: GroupFingerprint }), result: Done },
    /** Save the current patch minus the hunks and files marked to drop, as a new revision. */
    revisePatch: { params: PatchRevisionRequest, result: Done },
    /**
     * Drop what is marked (files by path, hunks by their change) from every member of the group, or
     * every repository of the job: one new revision each, one summary.
     */
    dropEverywhere: { params: PatchRevisionRequest.extend({ scope: DropScope.exclude(['repository']) }), result: Done },
    /** Show another revision of the patch (0: the original), read-only unless it is the current one. */
    showRevision: { params: z.object({ revision: z.number().int().min(0).max(10_000) }), result: Done },
    /** Approve, reject or take back the review of the shown repository, then move on (approve, reject). */
    review: { params: ReviewRequest.pick({ state: true, note: true, digest: true }), result: Done },
    /** The reviewer marked a file Viewed, or not: kept per reviewer, repository and patch. */
    setViewed: { params: z.object({ path: z.string().min(1).max(4096), viewed: z.boolean() }), result: Done },
    /** Show the previous or next repository of the job in this panel. */
    showRepository: { params: z.object({ direction: Direction }), result: Done },
    openFileInDiffEditor: { params: z.object({ path: z.string().min(1).max(4096) }), result: Done },
    applyToLocalCheckout: { params: z.object({}), result: Done },
    downloadPatch: { params: z.object({}), result: Done },
    openPullRequest: { params: z.object({}), result: Done },
    /** The user switched layout: the next diff panel opens in it. */
    rememberLayout: { params: z.object({ layout: DiffLayout }), result: Done },
    /** Open another attempt of this repository in this panel. */
    showAttempt: { params: z.object({ attempt: z.number().int().min(1).max(10_000) }), result: Done },
  },
  events: {
    /** The panel was reused for another repository (or attempt): load again, from the top. */
    show: z.object({}),
    /** Next/Previous File from the keyboard: open and scroll to that file. */
    goToFile: z.object({ direction: Direction }),
    /** Approve or Reject from the keyboard: review with the note typed on the page. */
    reviewRequested: z.object({ state: Verdict }),
    /**
     * What the page shows changed since it was painted (a new attempt, a new revision, a review
     * made elsewhere, the group's members): say so, and act on nothing until it loads again.
     */
    changed: z.object({ message: z.string().max(2_000) }),
  },
} satisfies ProtocolSpec;

export const ThreadPanelState = RepositoryRef.extend({ ...ViewPlace.shape, ...PanelTitle.shape });
export type ThreadPanelState = z.infer<typeof ThreadPanelState>;

export const threadProtocol = {
  requests: {
    load: {
      params: z.object({}),
      result: RepositoryHeading.extend({ status: z.string(), error: RepositoryError.optional(), thread: Thread }),
    },
    refresh: {
      params: z.object({}),
      result: z.object({ status: z.string(), error: RepositoryError.optional(), thread: Thread }),
    },
    openLink: { params: z.object({ url: z.string().max(8192) }), result: Done },
    /** Open another attempt of this repository in this panel. */
    showAttempt: { params: z.object({ attempt: z.number().int().min(1).max(10_000) }), result: Done },
  },
  events: {
    /** The panel now shows another attempt: load again, from the top. */
    show: z.object({}),
  },
} satisfies ProtocolSpec;

/** What the form sends: the fields as typed, before the API's schema checks them. */
export const CreateJobDraft = z.object({
  name: z.string().max(1_000_000),
  description: z.string().max(1_000_000),
  mode: z.enum(['prompt', 'command']),
  prompt: z.string().max(10_000_000),
  command: z.string().max(10_000_000),
  verifyCommand: z.string().max(10_000_000),
  repositories: z.string().max(10_000_000),
  createPullRequests: z.boolean(),
  draftPullRequests: z.boolean(),
  baseBranch: z.string().max(10_000),
  maxCostUsd: z.string().max(100),
  ...DraftSections,
});
export type CreateJobDraft = z.infer<typeof CreateJobDraft>;

export const CreateJobPanelState = z.object({
  draft: CreateJobDraft.partial().optional(),
  /** A new editor selection the user has not yet taken or dismissed (the form's prompt had text). */
  offeredPrompt: z.string().max(10_000_000).optional().catch(undefined),
});
export type CreateJobPanelState = z.infer<typeof CreateJobPanelState>;

export const FieldErrors = z.record(z.string(), z.string());
export type FieldErrors = z.infer<typeof FieldErrors>;

export const createJobProtocol = {
  requests: {
    load: {
      params: z.object({}),
      result: z.object({
        prompt: z.string(),
        connected: z.boolean(),
        apiUrl: z.string().optional(),
        /** The form filled from an earlier job (Run Again…), for a form opened with it. */
        draft: CreateJobDraft.partial().optional(),
        /** The stack's code host, when the API said: the query section uses its words (GitLab: groups). */
        codeHost: CodeHostInfo.shape.kind.optional(),
      }),
    },
    /** What holds around the commands where the job would run (GET /sandbox); none when it cannot be asked. */
    sandbox: { params: z.object({}), result: z.object({ status: SandboxStatus.optional() }) },
    /** Asks the user to pick from the workspace folders' git remotes. */
    pickWorkspaceRepositories: { params: z.object({}), result: z.object({ repositories: z.array(z.string()) }) },
    /** Asks the user for a file and reads `owner/name` lines from it. */
    loadRepositoriesFromFile: {
      params: z.object({}),
      result: z.object({ repositories: z.array(z.string()), skipped: z.array(z.string()) }),
    },
    submit: {
      params: z.object({ draft: CreateJobDraft }),
      result: z.discriminatedUnion('ok', [
        z.object({ ok: z.literal(true), job: Job }),
        z.object({ ok: z.literal(false), fieldErrors: FieldErrors, message: z.string() }),
      ]),
    },
    /** Preview: what a job with this query would run (POST /repositories/resolve); creates nothing. */
    previewRepositories: {
      params: ResolveRepositoriesRequest,
      result: z.discriminatedUnion('ok', [
        RepositoryResolution.extend({ ok: z.literal(true) }),
        z.object({ ok: z.literal(false), fieldErrors: FieldErrors, message: z.string() }),
      ]),
    },
    /** Closes the form (after a job was created, or on Cancel). */
    close: { params: z.object({}), result: Done },
    /**
     * The editor selection Create Job was run with while the form was already open, once: the
     * form fills an empty prompt with it, or offers it next to a prompt that has text.
     */
    takeOfferedPrompt: { params: z.object({}), result: z.object({ prompt: z.string().optional() }) },
    /** Run Again… was run while the form was open: the job to fill it from, once. */
    takeOfferedDraft: { params: z.object({}), result: z.object({ draft: CreateJobDraft.partial().optional() }) },
  },
  events: {
    /** Create Job was run again with a new selection: ask for it with takeOfferedPrompt. */
    promptOffered: z.object({}),
    /** Run Again… was run while the form was open: ask for the draft with takeOfferedDraft. */
    draftOffered: z.object({}),
  },
} satisfies ProtocolSpec;

/** What the text editor keeps while its tab is hidden (VS Code rebuilds the page): the text as typed. */
export const ComposePanelState = z.object({ text: z.string().max(10_000_000).optional().catch(undefined) });
export type ComposePanelState = z.infer<typeof ComposePanelState>;

/**
 * A multi-line text in an editor tab of its own (a revised prompt, a pull-request comment, a review
 * note), instead of a one-line input box: Send hands it to the command that asked, Cancel drops it.
 */
export const composeProtocol = {
  requests: {
    load: {
      params: z.object({}),
      result: z.object({
        title: z.string().max(1_000),
        /** What the text is for and what happens with it. */
        prompt: z.string().max(4_000),
        value: z.string().max(10_000_000),
        /** The Send button's words ("Comment on 19 Pull Requests"). */
        sendLabel: z.string().max(200),
        /** Markdown, a command, plain words: said under the box. */
        kind: z.string().max(200),
        placeholder: z.string().max(1_000).optional(),
      }),
    },
    /** Refused with why (empty, too long), or taken: the tab closes. */
    submit: {
      params: z.object({ text: z.string().max(10_000_000) }),
      result: z.object({ ok: z.boolean(), message: z.string().max(2_000).optional() }),
    },
    cancel: { params: z.object({}), result: Done },
  },
  events: {},
} satisfies ProtocolSpec;

export const OverviewPanelState = z.object({ jobId: z.string().min(1).max(200), ...PanelTitle.shape });
export type OverviewPanelState = z.infer<typeof OverviewPanelState>;

/** Where a click on a repository of the overview goes: its diff (changes, kept ones too) or its log. */
export const RepositoryView = z.enum(['diff', 'log']);
export type RepositoryView = z.infer<typeof RepositoryView>;

export const overviewProtocol = {
  requests: {
    /** The job and every repository row: the page computes its counts, failures and burndown from them. */
    load: {
      params: z.object({}),
      result: z.object({
        job: Job,
        repositories: z.array(RepositoryResult).max(100_000),
        /** The job's change groups (GET /jobs/{id}/changes); absent when they could not be read. */
        changes: JobChanges.optional(),
        /** Why the change groups are missing. */
        changesError: z.string().max(2_000).optional(),
      }),
    },
    /** Approve or reject a change group: the members shown, refused when the group changed since. */
    reviewGroup: {
      params: z.object({
        fingerprint: GroupFingerprint,
        state: Verdict,
        members: z.array(ShownMember).min(1).max(1_000),
      }),
      result: Done,
    },
    /** Open a change group: its representative's diff with its members. */
    openGroup: { params: z.object({ fingerprint: GroupFingerprint }), result: Done },
    /** Start a follow-up round on a change group's pull requests (the host asks which: checks, review, …). */
    followUpGroup: {
      params: z.object({
        fingerprint: GroupFingerprint,
        repositories: z.array(z.string().max(200)).min(1).max(1_000),
        title: z.string().max(2_000),
      }),
      result: Done,
    },
    openRepository: {
      params: z.object({ repositoryName: z.string().min(1).max(200), view: RepositoryView }),
      result: Done,
    },
  },
  events: {
    /** The job may have changed (the tree looked again, an action ended): load again, in place. */
    changed: z.object({}),
  },
} satisfies ProtocolSpec;
