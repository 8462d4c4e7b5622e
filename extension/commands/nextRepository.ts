import * as vscode from 'vscode';
import { inActiveDiff } from '../review/reviewCommand';
import type { Command } from './command';

/** Shows the next repository of the job with a diff, in the tree's order, in the same panel. */
export const nextRepository: Command = {
  id: 'codyBatch.nextRepository',
  doing: 'Going to the next repository',
  run: (services) =>
    inActiveDiff(services, async (diff) => {
      const { done, message } = await diff.handlers.showRepository({ direction: 'next' });
      if (!done && message) void vscode.window.showInformationMessage(`Cody Batch: ${message}`);
    }),
};
