import * as vscode from 'vscode';
import { inActiveDiff } from '../review/reviewCommand';
import type { Command } from './command';

/** Shows the previous repository of the job with a diff, in the tree's order, in the same panel. */
export const previousRepository: Command = {
  id: 'codyBatch.previousRepository',
  doing: 'Going to the previous repository',
  run: (services) =>
    inActiveDiff(services, async (diff) => {
      const { done, message } = await diff.handlers.showRepository({ direction: 'previous' });
      if (!done && message) void vscode.window.showInformationMessage(`Cody Batch: ${message}`);
    }),
};
