import { hasKeptFailedDiff } from '../../common/attempts';
import { viewCommand } from './openRow';

/** The diff of a repository with changes, or the kept change of a command job whose verification failed. */
export const viewDiff = viewCommand({
  id: 'codyBatch.viewDiff',
  doing: 'Opening the diff',
  purpose: 'view a diff',
  accepts: (_job, repository) => repository.status === 'COMPLETED' || hasKeptFailedDiff(repository),
  isShowing: (services, ref) => services.panels.isShowing(ref, 'diff'),
  open: (services, ref, jobName, options) => services.panels.showDiff(ref, jobName, options),
});
