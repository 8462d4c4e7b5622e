import { resolveJob } from '../pick';
import type { Command } from './command';

/** The Job overview: counts, cost, failures by error code and the pull requests' burndown. */
export const showOverview: Command = {
  id: 'codyBatch.showOverview',
  doing: 'Opening the job overview',
  async run(services, arg) {
    const job = await resolveJob(services, arg, () => true, 'show an overview of');
    if (job) services.panels.showOverview(job.jobId, job.name);
  },
};
