import { resolveRepository } from '../pick';
import type { Command } from './command';

export const viewThread: Command = {
  id: 'codyBatch.viewThread',
  doing: 'Opening the Claude thread',
  async run(services, arg) {
    const target = await resolveRepository(
      services,
      arg,
      (job, repository) => job.prompt !== undefined && repository.status !== 'PENDING',
      'view a Claude thread',
    );
    if (target)
      services.panels.showThread(
        { jobId: target.job.jobId, repositoryName: target.repository.repositoryName, attempt: target.attempt },
        target.job.name,
      );
  },
};
