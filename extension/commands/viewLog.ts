import { resolveRepository } from '../pick';
import type { Command } from './command';

export const viewLog: Command = {
  id: 'codyBatch.viewLog',
  doing: 'Opening the repository log',
  async run(services, arg) {
    const target = await resolveRepository(
      services,
      arg,
      (_job, repository) => repository.status !== 'PENDING',
      'view a log',
    );
    if (target)
      await services.logDocuments.open({
        jobId: target.job.jobId,
        repositoryName: target.repository.repositoryName,
        attempt: target.attempt,
      });
  },
};
