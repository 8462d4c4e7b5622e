import { applyToLocalCheckout } from '../applyFlow';
import { resolvePatch } from '../pick';
import type { Command } from './command';

export const applyPatch: Command = {
  id: 'codyBatch.applyPatch',
  doing: 'Applying the patch',
  /** `options.patch`: the patch a view painted, applied as it is (else the current one is read). */
  async run(services, arg, options) {
    const chosen = await resolvePatch(services, arg, options, 'apply a patch');
    if (!chosen) return undefined;
    return applyToLocalCheckout(services, chosen.ref, chosen.shown);
  },
};
