import { viewCommand } from './openRow';

/** The Claude conversation of a repository (a prompt job's), as a thread. */
export const viewThread = viewCommand({
  id: 'codyBatch.viewThread',
  doing: 'Opening the Claude thread',
  purpose: 'view a Claude thread',
  accepts: (job, repository) => job.prompt !== undefined && repository.status !== 'PENDING',
  isShowing: (services, ref) => services.panels.isShowing(ref, 'thread'),
  open: (services, ref, jobName, options) => services.panels.showThread(ref, jobName, options),
});
