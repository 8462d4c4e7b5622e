import { inActiveDiff } from '../review/reviewCommand';
import type { Command } from './command';

/** Opens and scrolls to the next file of the diff shown. */
export const nextFile: Command = {
  id: 'codyBatch.nextFile',
  doing: 'Going to the next file',
  run: (services) => inActiveDiff(services, (diff) => diff.send('goToFile', { direction: 'next' })),
};
