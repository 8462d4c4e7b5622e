import { resolveRepository } from '../pick';
import type { Command } from './command';
import { keepsFocus } from './openRow';

export const viewThread: Command = {
  id: 'codyBatch.viewThread',
  doing: 'Opening the Claude thread',
  async run(services, arg, options) {
    const target = await resolveRepository(
      services,
      arg,
      (job, repository) => job.prompt !== undefined && repository.status !== 'PENDING',
      'view a Claude thread',
    );
    if (!target) return;
    const ref = { jobId: target.job.jobId, repositoryName: target.repository.repositoryName, attempt: target.attempt };
    services.panels.showThread(ref, target.job.name, {
      preserveFocus: keepsFocus(arg, options, services.panels.isShowing(ref, 'thread')),
    });
  },
};
