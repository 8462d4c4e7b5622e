import * as vscode from 'vscode';
import type { Job } from '../../common/schemas';
import { jobTreeDescription } from './present';

// The status-bar count of running jobs. A click shows the Jobs view.

export class RunningStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;

  constructor(focusCommand: string) {
    this.item = vscode.window.createStatusBarItem('codyBatch.running', vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'Cody Batch: running jobs';
    this.item.command = focusCommand;
  }

  /** `checkedAt`: the last look; `background`: the view is hidden and polls slowly meanwhile. */
  update(running: readonly Job[], checkedAt: Date | undefined, background: boolean): void {
    if (running.length === 0) {
      this.item.hide();
      return;
    }
    this.item.text = `$(sync~spin) Cody Batch: ${running.length} running`;
    const checked = checkedAt
      ? `\n\nChecked at ${checkedAt.toLocaleTimeString()}${background ? '; checked every 30 s or so while the Jobs view is hidden' : ''}.`
      : '';
    this.item.tooltip = `${running.map((job) => `${job.name}: ${jobTreeDescription(job)}`).join('\n')}${checked}`;
    this.item.accessibilityInformation = {
      label: `Cody Batch: ${running.length} ${running.length === 1 ? 'job' : 'jobs'} running`,
    };
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
