import * as z from 'zod';
import { CreateJobDraft, FieldErrors } from '../createJobDraft';
import { SandboxStatus } from '../sandbox';
import { CodeHostInfo, Job, RepositoryResolution, ResolveRepositoriesRequest } from '../schemas';
import { loadRequest, type ProtocolSpec } from './messages';
import { Done } from './viewParts';

// The Create Job form: its draft (common/createJobDraft.ts), a preview of a query, the submit.

export const CreateJobPanelState = z.object({
  draft: CreateJobDraft.partial().optional(),
  /** A new editor selection the user has not yet taken or dismissed (the form's prompt had text). */
  offeredPrompt: z.string().max(10_000_000).optional().catch(undefined),
});
export type CreateJobPanelState = z.infer<typeof CreateJobPanelState>;

export const createJobProtocol = {
  requests: {
    load: loadRequest(
      z.object({
        prompt: z.string(),
        connected: z.boolean(),
        apiUrl: z.string().optional(),
        /** The form filled from an earlier job (Run Again…), for a form opened with it. */
        draft: CreateJobDraft.partial().optional(),
        /** The stack's code host, when the API said: the query section uses its words (GitLab: groups). */
        codeHost: CodeHostInfo.shape.kind.optional(),
      }),
    ),
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
