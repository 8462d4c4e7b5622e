import * as vscode from 'vscode';
import type { RepositoryRef } from '../../common/webviewProtocol';
import { type RepositoryFilter, resolveRepository } from '../pick';
import type { Services } from '../services';
import { AttemptNode, RepositoryNode, type TreeNode } from '../tree/nodes';
import type { Command } from './command';

// Focus in the Jobs tree, as the Explorer has it: a single click on a repository row opens its view
// as a preview and keeps the keyboard in the tree (ArrowDown goes to the next row); Enter, or a
// double click, opens it and moves the keyboard there. VS Code runs a row's command the same way
// for a click and for Enter, so Enter is our own keybinding (`codyBatch.openRow`, with VS Code's
// focused-row argument), and a double click is the second open of a row whose view already shows.

/** How a row's open command was asked for: `{ focus: true }` from Enter. */
export interface OpenOptions {
  focus?: boolean;
}

/** Whether an open command keeps the keyboard where it is: a tree row's first click does. */
export function keepsFocus(arg: unknown, options: unknown, alreadyShown: boolean): boolean {
  const fromRow = arg instanceof RepositoryNode || arg instanceof AttemptNode;
  return fromRow && !(options as OpenOptions | undefined)?.focus && !alreadyShown;
}

/**
 * A command that opens one view of a repository row (diff, thread, log): the row from its argument,
 * the tree's selection or a pick, among those `accepts` takes; the keyboard stays as `keepsFocus` says.
 */
export function viewCommand(view: {
  id: string;
  doing: string;
  /** For the pick: `cannot be used to <purpose>`. */
  purpose: string;
  accepts: RepositoryFilter;
  isShowing: (services: Services, ref: RepositoryRef) => boolean;
  open: (services: Services, ref: RepositoryRef, jobName: string, options: { preserveFocus: boolean }) => unknown;
}): Command {
  return {
    id: view.id,
    doing: view.doing,
    async run(services, arg, options) {
      const target = await resolveRepository(services, arg, view.accepts, view.purpose);
      if (!target) return;
      const { job, repository, attempt } = target;
      const ref = { jobId: job.jobId, repositoryName: repository.repositoryName, attempt };
      const preserveFocus = keepsFocus(arg, options, view.isShowing(services, ref));
      await view.open(services, ref, job.name, { preserveFocus });
    },
  };
}

/** Enter on a row of the Jobs tree. */
export const openRow: Command = {
  id: 'codyBatch.openRow',
  doing: 'Opening the row',
  async run(services, arg) {
    const node = arg as TreeNode | null | undefined;
    const opens = (node instanceof RepositoryNode || node instanceof AttemptNode) && node.command;
    if (!opens) {
      // A job or a group folds or unfolds, "Load more…" loads: what Enter does in any tree.
      await vscode.commands.executeCommand('list.select');
      return;
    }
    await services.jobs.treeView.reveal(node, { select: true, focus: false });
    await vscode.commands.executeCommand(opens.command, ...(opens.arguments ?? []), { focus: true });
  },
};
