import { reviewCommand } from '../review/reviewCommand';

/** Approves the diff shown (then the panel moves on), or a repository's from the tree. */
export const approveRepository = reviewCommand('codyBatch.approveRepository', 'approved');
