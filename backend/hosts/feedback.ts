import { MAX_FEEDBACK_CHARS, MAX_TRIGGER_FEEDBACK } from './codeHost';

// What a review round hands Claude of a pull request's comments: every host's (GitHub's comments
// and reviews, GitLab's notes) are chosen and cut the same way, to the same caps.

/** The newest MAX_TRIGGER_FEEDBACK of `items`, oldest first, by `createdAt` (ISO text). */
export function newestFeedback<T>(items: readonly T[], createdAt: (item: T) => string): T[] {
  return [...items].sort((a, b) => createdAt(a).localeCompare(createdAt(b))).slice(-MAX_TRIGGER_FEEDBACK);
}

/** A comment's text or diff hunk, at most MAX_FEEDBACK_CHARS of it. */
export function cutFeedback(text: string): string {
  return text.length > MAX_FEEDBACK_CHARS ? `${text.slice(0, MAX_FEEDBACK_CHARS)}…` : text;
}
