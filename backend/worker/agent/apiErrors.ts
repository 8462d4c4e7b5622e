import Anthropic from '@anthropic-ai/sdk';
import type { AgentStop } from './types';

// Turns what the SDK throws (after its own retries) into a repository error code and a message a
// user can act on. Messages are built from the status and the API's error type and text only, never
// from request details.

export function stopForApiError(error: unknown): AgentStop {
  if (error instanceof Anthropic.APIError && typeof error.status === 'number') {
    const body = (error.error ?? {}) as { error?: { type?: unknown; message?: unknown } };
    const type = typeof body.error?.type === 'string' ? body.error.type : undefined;
    const detail = typeof body.error?.message === 'string' ? body.error.message : undefined;
    const said = [type, detail].filter(Boolean).join(': ') || 'no details';
    const status = error.status;
    if (status === 429) {
      return {
        code: 'CLAUDE_RATE_LIMITED',
        message:
          `Claude API rate limit (429) persisted after the SDK's retries (${said}). Lower the ` +
          `job's concurrency or raise the organisation's rate limit, then retry.`,
      };
    }
    if (status === 529 || type === 'overloaded_error') {
      return {
        code: 'CLAUDE_OVERLOADED',
        message: `Claude API overloaded (${status}) after the SDK's retries (${said}). Retry the repository later.`,
      };
    }
    if (status === 401 || status === 403) {
      return {
        code: 'CLAUDE_ERROR',
        message: `Claude API refused the credentials (${status}: ${said}). Check ANTHROPIC_API_KEY, or the AWS role's Bedrock access.`,
      };
    }
    if (status === 400 && /prompt is too long|context window|too many tokens/i.test(detail ?? '')) {
      return { code: 'TOKEN_LIMIT', message: `The conversation no longer fits the model's context window (${said}).` };
    }
    return { code: 'CLAUDE_ERROR', message: `Claude API error ${status} (${said}).` };
  }
  if (error instanceof Anthropic.APIConnectionTimeoutError) {
    return { code: 'CLAUDE_ERROR', message: "Claude API request timed out after the SDK's retries." };
  }
  if (error instanceof Anthropic.APIConnectionError) {
    const cause = (error as { cause?: { message?: unknown } }).cause?.message;
    return {
      code: 'CLAUDE_ERROR',
      message: `Could not reach the Claude API${typeof cause === 'string' ? ` (${cause})` : ''}.`,
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'CLAUDE_ERROR', message: `Claude API call failed: ${message}` };
}

export function isAbort(error: unknown): boolean {
  return error instanceof Anthropic.APIUserAbortError || (error instanceof Error && error.name === 'AbortError');
}
