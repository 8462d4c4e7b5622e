import { applyToLocalCheckout } from '../applyFlow';
import { resolveRepository } from '../pick';
import type { Command } from './command';

export const applyPatch: Command = {
  id: 'codyBatch.applyPatch',
  doing: 'Applying the patch',
  async run(services, arg) {
    const target = await resolveRepository(
      services,
      arg,
      (_job, repository) => repository.status === 'COMPLETED',
      'apply a patch',
    );
    if (!target) return undefined;
    return applyToLocalCheckout(services, {
      jobId: target.job.jobId,
      repositoryName: target.repository.repositoryName,
    });
  },
};
