import { resolveRepository } from '../pick';
import { hasKeptFailedDiff } from '../../common/attempts';
import type { Command } from './command';

/** The diff of a repository with changes, or the kept change of a command job whose verification failed. */
export const viewDiff: Command = {
  id: 'codyBatch.viewDiff',
  doing: 'Opening the diff',
  async run(services, arg) {
    const target = await resolveRepository(
      services,
      arg,
      (_job, repository) => repository.status === 'COMPLETED' || hasKeptFailedDiff(repository),
      'view a diff',
    );
    if (target)
      services.panels.showDiff(
        { jobId: target.job.jobId, repositoryName: target.repository.repositoryName, attempt: target.attempt },
        target.job.name,
      );
  },
};
