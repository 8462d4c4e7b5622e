import { resolveRepository } from '../pick';
import type { Command } from './command';

export const viewDiff: Command = {
  id: 'codyBatch.viewDiff',
  doing: 'Opening the diff',
  async run(services, arg) {
    const target = await resolveRepository(
      services,
      arg,
      (_job, repository) => repository.status === 'COMPLETED',
      'view a diff',
    );
    if (target) services.panels.showDiff({ jobId: target.job.jobId, repositoryName: target.repository.repositoryName });
  },
};
