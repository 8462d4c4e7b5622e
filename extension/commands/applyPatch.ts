import { applyToLocalCheckout } from '../applyFlow';
import { resolveRepository } from '../pick';
import type { Command } from './command';

export const applyPatch: Command = {
  id: 'codyBatch.applyPatch',
  doing: 'Applying the patch',
  /** `options.patch`: the patch a view painted, applied as it is (else the current one is read). */
  async run(services, arg, options) {
    const target = await resolveRepository(
      services,
      arg,
      (_job, repository) => repository.status === 'COMPLETED',
      'apply a patch',
    );
    if (!target) return undefined;
    return applyToLocalCheckout(
      services,
      { jobId: target.job.jobId, repositoryName: target.repository.repositoryName },
      (options as { patch?: string } | undefined)?.patch,
    );
  },
};
