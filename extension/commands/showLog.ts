import type { Command } from './command';

export const showLog: Command = {
  id: 'codyBatch.showLog',
  doing: 'Showing the log',
  run: (services) => services.log.show(),
};
