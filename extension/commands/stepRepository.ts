import * as vscode from 'vscode';
import { inActiveDiff } from '../review/reviewCommand';
import type { Command } from './command';

/** Shows the next (or previous) repository of the job with a diff, in the tree's order, in the same panel. */
function stepRepository(direction: 'next' | 'previous'): Command {
  return {
    id: `codyBatch.${direction}Repository`,
    doing: `Going to the ${direction} repository`,
    run: (services) =>
      inActiveDiff(services, async (diff) => {
        const { done, message } = await diff.handlers.showRepository({ direction });
        if (!done && message) void vscode.window.showInformationMessage(`Cody Batch: ${message}`);
      }),
  };
}

export const nextRepository = stepRepository('next');
export const previousRepository = stepRepository('previous');
