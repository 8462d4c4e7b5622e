import { ApiError, type CodyBatchClient } from '../../common/client';
import { checkDraft } from '../../common/jobDraft';
import { fieldErrorsFromApi } from '../../common/jobDraftSections';
import type { CreateJobInput, Job, ResolveRepositoriesRequest } from '../../common/schemas';
import type { createJobProtocol, CreateJobDraft, Result } from '../../common/webviewProtocol';
import { type ConnectionDescription, userMessage } from '../userMessages';

// What the Create Job form's Preview and Create Job do on the extension's side, without vscode (the
// panel adds the progress and the messages), so they are tested against a real API. A refusal the
// user can act on comes back as field errors in the API's own words, on the field it names.

type PreviewReply = Result<typeof createJobProtocol, 'previewRepositories'>;
type SubmitReply = Result<typeof createJobProtocol, 'submit'>;

/** The server's words when they say what to change: a 400, or a code host it could not reach (502). */
function ownWords(error: unknown): error is ApiError {
  return error instanceof ApiError && (error.status === 400 || error.code === 'HOST_UNAVAILABLE');
}

export async function previewRepositories(
  client: CodyBatchClient,
  request: ResolveRepositoriesRequest,
  connection: ConnectionDescription,
  log?: (message: string, error: unknown) => void,
): Promise<PreviewReply> {
  try {
    return { ok: true, ...(await client.resolveRepositories(request)) };
  } catch (error) {
    log?.('Previewing repositories failed', error);
    if (ownWords(error)) {
      return {
        ok: false,
        message: error.message,
        fieldErrors: fieldErrorsFromApi(error.code, error.message, { repositorySource: 'query' }),
      };
    }
    const message = userMessage(error, 'Previewing the repositories', connection).message;
    return { ok: false, message, fieldErrors: { repositoryQuery: message } };
  }
}

/** Checks the draft with the API's schema, then creates the job with `create` (the client's createJob, with progress). */
export async function submitDraft(
  draft: CreateJobDraft,
  create: (request: CreateJobInput) => PromiseLike<Job>,
  connection: ConnectionDescription,
  log?: (message: string, error: unknown) => void,
): Promise<SubmitReply> {
  const checked = checkDraft(draft);
  if (!checked.ok) return checked;
  try {
    return { ok: true, job: await create(checked.request) };
  } catch (error) {
    log?.('Creating a job failed', error);
    if (ownWords(error)) {
      return { ok: false, fieldErrors: fieldErrorsFromApi(error.code, error.message, draft), message: error.message };
    }
    const message = userMessage(error, 'Creating the job', connection).message;
    return { ok: false, fieldErrors: { form: message }, message };
  }
}
