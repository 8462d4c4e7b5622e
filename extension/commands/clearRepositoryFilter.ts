import { resolveJob } from '../pick';
import type { Command } from './command';

/** Shows all of the job's repositories again. */
export const clearRepositoryFilter: Command = {
  id: 'codyBatch.clearRepositoryFilter',
  doing: 'Clearing the filter',
  async run(services, arg) {
    const job = await resolveJob(
      services,
      arg,
      (candidate) => !!services.jobs.filter(candidate.jobId),
      'clear the filter of',
    );
    if (job) services.jobs.setFilter(job.jobId, undefined);
  },
};
