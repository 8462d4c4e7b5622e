import { reviewCommand } from '../review/reviewCommand';

/** Rejects the diff shown (then the panel moves on), or a repository's from the tree. */
export const rejectRepository = reviewCommand('codyBatch.rejectRepository', 'rejected');
