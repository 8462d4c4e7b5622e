import { groupReviewedText } from './changeGroupText';
import { ApiError } from './client';
import type { ShownMember, Verdict } from './webviewProtocol';

// Approving or rejecting a change group with the members the reviewer saw, and what that says: the
// API refuses (409) when the group is not what was shown any more (a member's diff changed, one
// joined), and 404 when it is gone; both are outcomes to show, not errors. Browser-safe: the
// extension and the web app both review groups through it.

/**
 * The members a group review was shown, each with its digest as shown; throws when one came
 * without a digest (a server from before digests): nothing can be approved that was not pinned.
 */
export function shownMembers(members: readonly { repositoryName: string; digest?: string }[]): ShownMember[] {
  const missing = members.filter((member) => !member.digest).map((member) => member.repositoryName);
  if (missing.length)
    throw new Error(
      `The group was shown without the digests of ${missing.slice(0, 5).join(', ')}` +
        `${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}: load it again before reviewing it`,
    );
  return members.map((member) => ({ repositoryName: member.repositoryName, digest: member.digest! }));
}

export async function reviewGroupOutcome(
  review: () => Promise<unknown>,
  state: Verdict,
  repositories: readonly string[],
): Promise<{ done: boolean; message: string }> {
  try {
    await review();
    return { done: true, message: groupReviewedText(state, repositories.length) };
  } catch (error) {
    if (error instanceof ApiError && error.code === 'VARIANTS_NOT_OPENED')
      return {
        done: false,
        message: `${error.message.replace(/\.?$/, '.')} Open them from the group view (Show surroundings), then approve it again.`,
      };
    if (error instanceof ApiError && error.status === 409)
      return {
        done: false,
        message:
          `Not ${state}: the group, or a member's patch, changed since it was shown (${error.message}). ` +
          'It is shown again as it is now: look, then review it again.',
      };
    if (error instanceof ApiError && error.status === 404)
      return {
        done: false,
        message: `Not ${state}: this group is gone (${error.message}). The groups are shown again.`,
      };
    const doing = state === 'approved' ? 'Approving' : 'Rejecting';
    throw new Error(`${doing} the group failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * The members of change groups whose surroundings (or own diff) this reviewer opened from a group
 * view, per job and group: what a group approval names in `openedVariants`. Kept by the host (the
 * extension, the web app), which is what shows them.
 */
export class OpenedVariants {
  private readonly byGroup = new Map<string, Set<string>>();

  mark(jobId: string, fingerprint: string, repositoryName: string): void {
    const key = `${jobId}/${fingerprint}`;
    const names = this.byGroup.get(key) ?? new Set<string>();
    names.add(repositoryName);
    this.byGroup.set(key, names);
  }

  names(jobId: string, fingerprint: string): string[] {
    return [...(this.byGroup.get(`${jobId}/${fingerprint}`) ?? [])].sort();
  }
}
