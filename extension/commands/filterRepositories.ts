import * as vscode from 'vscode';
import {
  FILTER_KIND_TITLES,
  FILTER_OPTIONS,
  type FilterKind,
  type FilterOption,
  filterFromOptions,
  filterHas,
  optionCounts,
} from '../tree/repositoryFilter';
import { jobCommand } from './command';

/** Up to this many rows the pick counts each state (reading them is quick); past it, it lists every state. */
const COUNTED_UP_TO = 1_000;

type Item = vscode.QuickPickItem & { option?: FilterOption };

/** Shows only the job's repositories in the chosen states (run, review, pull request, checks). */
export const filterRepositories = jobCommand(
  {
    id: 'codyBatch.filterRepositories',
    doing: 'Filtering repositories',
    accepts: () => true,
    purpose: 'filter repositories',
  },
  async (services, job) => {
    const current = services.jobs.filter(job.jobId);
    const counts =
      job.counts.total <= COUNTED_UP_TO
        ? optionCounts(await services.connection.client.allRepositories(job.jobId))
        : undefined;
    const items: Item[] = [];
    let kind: FilterKind | undefined;
    for (const option of FILTER_OPTIONS) {
      const count = counts?.get(`${option.kind}:${option.value}`);
      const picked = filterHas(current, option);
      // A state no repository has is no choice (unless it is chosen now, so it can be taken back).
      if (count === 0 && !picked) continue;
      if (option.kind !== kind) {
        kind = option.kind;
        items.push({ label: FILTER_KIND_TITLES[kind], kind: vscode.QuickPickItemKind.Separator });
      }
      items.push({ label: option.label, description: count === undefined ? undefined : String(count), picked, option });
    }
    const picked = await vscode.window.showQuickPick(items, {
      title: `Cody Batch: show the repositories of "${job.name}" that are…`,
      placeHolder: 'Any of the chosen values of a kind, and every kind chosen; none: all repositories',
      canPickMany: true,
    });
    if (!picked) return;
    services.jobs.setFilter(job.jobId, filterFromOptions(picked.flatMap((item) => (item.option ? [item.option] : []))));
    await services.jobs.reveal(job.jobId);
  },
);
