import * as vscode from 'vscode';
import { reportError } from '../report';
import type { Services } from '../services';
import { applyPatch } from './applyPatch';
import { approveRepository } from './approveRepository';
import { autoMergePullRequests } from './autoMergePullRequests';
import { cancelJob } from './cancelJob';
import { clearRepositoryFilter } from './clearRepositoryFilter';
import { closePullRequests } from './closePullRequests';
import { commentOnPullRequests } from './commentOnPullRequests';
import type { Command } from './command';
import { connectAws, connectLocal, signOut } from './connect';
import { continueJob } from './continueJob';
import { createJob } from './createJob';
import { deleteJob } from './deleteJob';
import { downloadPatch } from './downloadPatch';
import { filterRepositories } from './filterRepositories';
import { addressReview, fixFailingChecks, sendInstruction, updateBranches } from './followUp';
import { loadMore } from './loadMore';
import { nextFile } from './nextFile';
import { nextRepository, previousRepository } from './stepRepository';
import { openPullRequest } from './openPullRequest';
import { openRow } from './openRow';
import { previousFile } from './previousFile';
import { refresh } from './refresh';
import { rejectRepository } from './rejectRepository';
import { mergePullRequests } from './mergePullRequests';
import { publish } from './publish';
import { publishApproved } from './publishApproved';
import { refreshPullRequests } from './refreshPullRequests';
import { retryFailed } from './retryFailed';
import { runAgain, runAgainOnFailed } from './runAgain';
import { showLog } from './showLog';
import { showOverview } from './showOverview';
import { viewDiff } from './viewDiff';
import { viewLog } from './viewLog';
import { viewThread } from './viewThread';

export const COMMANDS: readonly Command[] = [
  createJob,
  refresh,
  cancelJob,
  continueJob,
  retryFailed,
  runAgain,
  runAgainOnFailed,
  viewDiff,
  viewThread,
  viewLog,
  applyPatch,
  downloadPatch,
  openPullRequest,
  approveRepository,
  rejectRepository,
  nextFile,
  previousFile,
  nextRepository,
  previousRepository,
  showOverview,
  filterRepositories,
  clearRepositoryFilter,
  publishApproved,
  publish,
  mergePullRequests,
  autoMergePullRequests,
  fixFailingChecks,
  addressReview,
  updateBranches,
  sendInstruction,
  closePullRequests,
  commentOnPullRequests,
  refreshPullRequests,
  deleteJob,
  connectLocal,
  connectAws,
  signOut,
  showLog,
  loadMore,
  openRow,
];

/** Registers every command; a failure becomes one plain message with a next step. */
export function registerCommands(services: Services): vscode.Disposable[] {
  return COMMANDS.map((command) =>
    vscode.commands.registerCommand(command.id, async (...args: unknown[]) => {
      try {
        return await command.run(services, ...args);
      } catch (error) {
        void reportError(services, error, command.doing);
        return undefined;
      }
    }),
  );
}
