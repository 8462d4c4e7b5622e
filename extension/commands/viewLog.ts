import { viewCommand } from './openRow';

/** What a repository's run wrote, as a read-only document. */
export const viewLog = viewCommand({
  id: 'codyBatch.viewLog',
  doing: 'Opening the repository log',
  purpose: 'view a log',
  accepts: (_job, repository) => repository.status !== 'PENDING',
  isShowing: (services, ref) => services.logDocuments.isShowing(ref),
  open: (services, ref, _jobName, options) => services.logDocuments.open(ref, options),
});
