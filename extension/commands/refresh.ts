import type { Command } from './command';

export const refresh: Command = {
  id: 'codyBatch.refresh',
  doing: 'Refreshing jobs',
  run: (services) => services.jobs.refresh(),
};
