import * as vscode from 'vscode';
import type { FinishedJob } from './model';
import { finishNotice } from './present';

// A notification when a job finishes, or when its sample has run and it waits for a Continue.

export class FinishNotifier {
  constructor(private readonly actions: { reveal(jobId: string): void; continueJob(jobId: string): void }) {}

  notify(finished: readonly FinishedJob[]): void {
    for (const entry of finished) {
      const notice = finishNotice(entry);
      const show = notice.level === 'info' ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
      void show(notice.text, ...notice.buttons).then((choice) => {
        if (choice === 'Continue') this.actions.continueJob(entry.job.jobId);
        else if (choice === 'Show Job') this.actions.reveal(entry.job.jobId);
      });
    }
  }
}
