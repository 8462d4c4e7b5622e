import type { FollowUpReason } from '../../common/schemas';

// The follow-up commands' ids, apart from the commands: a view offers them without importing the
// commands (which would import the services that import the views).

/** The command of each reason, as package.json names them. */
export const FOLLOW_UP_COMMANDS: Record<FollowUpReason, string> = {
  checks: 'codyBatch.fixFailingChecks',
  review: 'codyBatch.addressReview',
  conflicts: 'codyBatch.updateBranches',
  instruction: 'codyBatch.sendInstruction',
};
