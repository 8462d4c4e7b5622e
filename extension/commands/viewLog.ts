import { resolveRepository } from '../pick';
import type { Command } from './command';
import { keepsFocus } from './openRow';

export const viewLog: Command = {
  id: 'codyBatch.viewLog',
  doing: 'Opening the repository log',
  async run(services, arg, options) {
    const target = await resolveRepository(
      services,
      arg,
      (_job, repository) => repository.status !== 'PENDING',
      'view a log',
    );
    if (!target) return;
    const ref = { jobId: target.job.jobId, repositoryName: target.repository.repositoryName, attempt: target.attempt };
    await services.logDocuments.open(ref, {
      preserveFocus: keepsFocus(arg, options, services.logDocuments.isShowing(ref)),
    });
  },
};
