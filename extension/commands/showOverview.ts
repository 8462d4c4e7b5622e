import { jobCommand } from './command';

/** The Job overview: counts, cost, failures by error code and the pull requests' burndown. */
export const showOverview = jobCommand(
  {
    id: 'codyBatch.showOverview',
    doing: 'Opening the job overview',
    accepts: () => true,
    purpose: 'show an overview of',
  },
  async (services, job) => {
    services.panels.showOverview(job.jobId, job.name);
  },
);
