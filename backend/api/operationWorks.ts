import { bulkActionWork } from './bulkActions';
import { groupReviewWork } from './changes';
import type { OperationWorks } from './operations';
import { cancelWork, continueWork, retryWork } from './rowOperations';

/** Each kind of bulk operation's work (backend/api/operations.ts runs them). */
export const operationWorks: OperationWorks = {
  retry: retryWork,
  continue: continueWork,
  cancel: cancelWork,
  groupReview: groupReviewWork,
  merge: bulkActionWork('merge'),
  close: bulkActionWork('close'),
  comment: bulkActionWork('comment'),
  'auto-merge': bulkActionWork('auto-merge'),
};
