import * as vscode from 'vscode';
import type { Services } from './services';
import { userMessage, type NextStep } from './userMessages';

// Shows a failure as one plain sentence with buttons for the next step; details go to the log.

const STEP_BUTTONS: Record<NextStep, { title: string; command: string }> = {
  connectLocal: { title: 'Connect to Local Stack', command: 'codyBatch.connectLocal' },
  connectAws: { title: 'Connect to AWS', command: 'codyBatch.connectAws' },
  refresh: { title: 'Refresh', command: 'codyBatch.refresh' },
  showLog: { title: 'Show Log', command: 'codyBatch.showLog' },
};

export async function reportError(
  services: Pick<Services, 'log' | 'connection'>,
  error: unknown,
  doing: string,
): Promise<void> {
  services.log.error(doing, error);
  const { steps, ...described } = userMessage(error, doing, services.connection.describe());
  // The message quotes what failed; a token in it must not reach the screen either.
  const message = services.log.redactor.text(described.message);
  const buttons = steps.map((step) => STEP_BUTTONS[step]);
  const choice = await vscode.window.showErrorMessage(message, ...buttons.map((button) => button.title));
  const chosen = buttons.find((button) => button.title === choice);
  if (chosen) await vscode.commands.executeCommand(chosen.command);
}
