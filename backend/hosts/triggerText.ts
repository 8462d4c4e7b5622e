import type { CheckFailure } from '../../common/schemas';
import { MAX_FEEDBACK_CHARS, MAX_TRIGGER_FEEDBACK } from './codeHost';

// What a follow-up round hands Claude of the host's words (check summaries, commit statuses, review
// comments): every host's are chosen and cut the same way, to the same caps. CI logs: ./logTail.ts.

/** At most this much of a check's summary, a status's description or an annotation's message. */
export const MAX_CHECK_TEXT = 4_000;

/** `text`, or its first `max` characters and an ellipsis. */
export function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** A failing commit status (GitHub's statuses, GitLab's external ones) as a round's check. */
export function statusCheck(
  name: string,
  conclusion: string,
  description: string | null | undefined,
  url: string | null | undefined,
): CheckFailure {
  return {
    kind: 'status',
    name,
    conclusion,
    ...(description ? { summary: cut(description, MAX_CHECK_TEXT) } : {}),
    ...(url ? { url } : {}),
    annotations: [],
  };
}

/** The newest MAX_TRIGGER_FEEDBACK of `items`, oldest first, by `createdAt` (ISO text). */
export function newestFeedback<T>(items: readonly T[], createdAt: (item: T) => string): T[] {
  return [...items].sort((a, b) => createdAt(a).localeCompare(createdAt(b))).slice(-MAX_TRIGGER_FEEDBACK);
}

/** A comment's text or diff hunk, at most MAX_FEEDBACK_CHARS of it. */
export function cutFeedback(text: string): string {
  return cut(text, MAX_FEEDBACK_CHARS);
}
