import { inActiveDiff } from '../review/reviewCommand';
import type { Command } from './command';

/** Opens and scrolls to the previous file of the diff shown. */
export const previousFile: Command = {
  id: 'codyBatch.previousFile',
  doing: 'Going to the previous file',
  run: (services) => inActiveDiff(services, (diff) => diff.send('goToFile', { direction: 'previous' })),
};
