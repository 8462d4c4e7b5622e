import * as vscode from 'vscode';
import type { Job, RepositoryResult } from '../../common/schemas';
import { resolveRepository } from '../pick';
import type { Command } from './command';

export const openPullRequest: Command = {
  id: 'codyBatch.openPullRequest',
  doing: 'Opening the pull request',
  async run(services, arg) {
    const withPullRequest = (_job: Job, repository: RepositoryResult) => repository.pullRequestUrl !== undefined;
    const target = await resolveRepository(services, arg, withPullRequest, 'open a pull request');
    const url = target?.repository.pullRequestUrl;
    if (!url) return;
    const uri = vscode.Uri.parse(url, true);
    if (uri.scheme !== 'https' && uri.scheme !== 'http')
      throw new Error(`The pull request address is not a web link: ${url}`);
    await vscode.env.openExternal(uri);
  },
};
