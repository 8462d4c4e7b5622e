import { readFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import { codeHostKindOf } from '../../common/codeHostKind';
import { repositoryListEntries } from '../../common/jobDraft';
import { isRepositoryName } from '../../common/repositoryNames';
import { type CreateJobDraft, createJobProtocol, eventMessage, type Handlers } from '../../common/webviewProtocol';
import { workspaceRepositories } from '../../common/git/checkouts';
import type { Services } from '../services';
import { previewRepositories, submitDraft } from './createJobRequests';

// The Create Job form's requests. The form checks its fields as the user types; submit checks
// them again here with the same schema before anything is sent (createJobRequests.ts), and the API
// checks them a third time. On success the new job is shown, selected, in the tree and the form
// closes. Preview resolves a repository query on the API, which creates nothing.

/** Per open form: the selection Create Job was last run with, until the page takes it. */
const offeredPrompts = new WeakMap<vscode.WebviewPanel, string>();

/**
 * Create Job was run while the form is open: the new selection goes to the form, which decides
 * what to do with it (it never overwrites what the user typed). The page asks for it when nudged,
 * and when it starts, in case the nudge was lost because the hidden page was not alive.
 */
export function offerPrompt(panel: vscode.WebviewPanel, prompt: string): void {
  if (!prompt.trim()) return;
  offeredPrompts.set(panel, prompt);
  void panel.webview.postMessage(eventMessage(createJobProtocol, 'promptOffered', {}));
}

/** Per open form: the job Run Again… was last run with, as a draft, until the page takes it. */
const offeredDrafts = new WeakMap<vscode.WebviewPanel, Partial<CreateJobDraft>>();

/** Run Again… while the form is open: the form is filled from the job (the user asked for it). */
export function offerDraft(panel: vscode.WebviewPanel, draft: Partial<CreateJobDraft>): void {
  offeredDrafts.set(panel, draft);
  void panel.webview.postMessage(eventMessage(createJobProtocol, 'draftOffered', {}));
}

export function createJobHandlers(
  services: Services,
  prompt: string,
  panel: vscode.WebviewPanel,
  draft?: Partial<CreateJobDraft>,
): Handlers<typeof createJobProtocol> {
  return {
    load: async () => ({
      prompt,
      connected: services.connection.connected,
      apiUrl: services.connection.apiUrl,
      draft,
      codeHost: services.connection.connected ? await codeHostKindOf(services.connection.client) : undefined,
    }),

    sandbox: async () => ({
      status: services.connection.connected
        ? await services.connection.client.sandbox().catch(() => undefined)
        : undefined,
    }),

    pickWorkspaceRepositories: async () => {
      const folders = (vscode.workspace.workspaceFolders ?? [])
        .filter((folder) => folder.uri.scheme === 'file')
        .map((folder) => folder.uri.fsPath);
      const found = (await workspaceRepositories(folders)).filter((entry) => isRepositoryName(entry.repositoryName));
      if (found.length === 0) {
        void vscode.window.showInformationMessage(
          'Cody Batch: no workspace folder is a git clone with an owner/name remote.',
        );
        return { repositories: [] };
      }
      const picked = await vscode.window.showQuickPick(
        found.map((entry) => ({
          label: entry.repositoryName,
          description: `${entry.remote} · ${vscode.workspace.asRelativePath(entry.root)}`,
          picked: found.length === 1,
        })),
        {
          title: 'Cody Batch: repositories from the workspace',
          placeHolder: 'Choose the repositories to add',
          canPickMany: true,
        },
      );
      return { repositories: (picked ?? []).map((item) => item.label) };
    },

    loadRepositoriesFromFile: async () => {
      const [file] =
        (await vscode.window.showOpenDialog({
          title: 'Cody Batch: load repositories',
          canSelectMany: false,
          openLabel: 'Load Repositories',
          filters: { 'Repository lists': ['txt', 'csv', 'json', 'list'], 'All files': ['*'] },
        })) ?? [];
      if (!file) return { repositories: [], skipped: [] };
      const text =
        file.scheme === 'file'
          ? await readFile(file.fsPath, 'utf8')
          : new TextDecoder().decode(await vscode.workspace.fs.readFile(file));
      const entries = repositoryListEntries(text);
      return {
        repositories: entries.filter(isRepositoryName),
        skipped: entries.filter((entry) => !isRepositoryName(entry)).slice(0, 50),
      };
    },

    previewRepositories: (request) =>
      previewRepositories(services.connection.client, request, services.connection.describe(), (message, error) =>
        services.log.error(message, error),
      ),

    submit: async ({ draft }) => {
      const result = await submitDraft(
        draft,
        (request) =>
          vscode.window.withProgress(
            { location: vscode.ProgressLocation.Notification, title: `Cody Batch: creating "${request.name}"…` },
            () => services.connection.client.createJob(request),
          ),
        services.connection.describe(),
        (message, error) => services.log.error(message, error),
      );
      if (!result.ok) return result;
      const { job } = result;
      services.log.info(`Created job ${job.jobId} "${job.name}" with ${job.counts.total} repositories`);
      await services.jobs.showJob(job);
      void vscode.window.showInformationMessage(
        `Cody Batch: job "${job.name}" created with ${job.counts.total} ${job.counts.total === 1 ? 'repository' : 'repositories'}.`,
      );
      return result;
    },

    close: () => {
      setTimeout(() => panel.dispose(), 0);
      return { done: true };
    },

    takeOfferedDraft: () => {
      const offered = offeredDrafts.get(panel);
      offeredDrafts.delete(panel);
      return { draft: offered };
    },

    takeOfferedPrompt: () => {
      const offered = offeredPrompts.get(panel);
      offeredPrompts.delete(panel);
      return { prompt: offered };
    },
  };
}
