import type { Command } from './command';

export const connectLocal: Command = {
  id: 'codyBatch.connectLocal',
  doing: 'Connecting to the local stack',
  run: (services) => services.connection.connectLocal(),
};

export const connectAws: Command = {
  id: 'codyBatch.connectAws',
  doing: 'Connecting to AWS',
  run: (services) => services.connection.connectAws(),
};

export const signOut: Command = {
  id: 'codyBatch.signOut',
  doing: 'Signing out',
  async run(services) {
    services.patches.clear();
    await services.connection.signOut();
  },
};
