import * as vscode from 'vscode';
import { NotConnected } from '../userMessages';
import type { Command } from './command';

/** Opens the Create Job form, its prompt prefilled with the active editor's selection. */
export const createJob: Command = {
  id: 'codyBatch.createJob',
  doing: 'Creating a job',
  run(services) {
    if (!services.connection.connected) throw new NotConnected();
    const editor = vscode.window.activeTextEditor;
    const selection = editor && !editor.selection.isEmpty ? editor.document.getText(editor.selection) : '';
    services.panels.showCreateJob(selection);
  },
};
