import { resolveRepository } from '../pick';
import { hasKeptFailedDiff } from '../../common/attempts';
import type { Command } from './command';
import { keepsFocus } from './openRow';

/** The diff of a repository with changes, or the kept change of a command job whose verification failed. */
export const viewDiff: Command = {
  id: 'codyBatch.viewDiff',
  doing: 'Opening the diff',
  async run(services, arg, options) {
    const target = await resolveRepository(
      services,
      arg,
      (_job, repository) => repository.status === 'COMPLETED' || hasKeptFailedDiff(repository),
      'view a diff',
    );
    if (!target) return;
    const ref = { jobId: target.job.jobId, repositoryName: target.repository.repositoryName, attempt: target.attempt };
    services.panels.showDiff(ref, target.job.name, {
      preserveFocus: keepsFocus(arg, options, services.panels.isShowing(ref, 'diff')),
    });
  },
};
