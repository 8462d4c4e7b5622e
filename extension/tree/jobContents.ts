import type { Job, RepositoryResult } from '../../common/schemas';
import { type CountedGroup, countedGroups, type RepositoryState } from '../../common/repositoryStates';
import type { JobsModel, RepositoryList } from './model';
import { isEmptyFilter, matchesFilter, type RepositoryFilter } from './repositoryFilter';

// What the Jobs tree shows under a job, decided without vscode (jobsTree.ts turns it into rows). A
// small job: its rows, read whole, grouped by state or listed flat. A large one (JobsModel.isPaged)
// in the grouped tree: its state groups counted by the job item, each group's rows read a page at a
// time with `?status=` when it is opened, so a 10,000-repository job opens with one request and a
// filter by run state reads only the groups it shows. Review, pull-request and checks filters (and
// "verify failed", which is no run status) can only look at rows read: they apply to each group's
// loaded pages, and the tree says so.

export type JobContents =
  | { paged: false; list: RepositoryList; rows: RepositoryResult[] }
  | { paged: true; groups: CountedGroup[]; loadedRowsOnly: boolean };

export interface GroupRows {
  /** The loaded rows of the group that the filter shows. */
  rows: RepositoryResult[];
  /** How many of the group's rows were read. */
  loaded: number;
  /** More of the group's rows to read ("Load more…"). */
  more: boolean;
}

/** The run states a filter shows whole groups of; "verify failed" rows sit in Failed or Changed. */
function groupStatesShown(filter: RepositoryFilter | undefined): Set<RepositoryState> | undefined {
  const run = filter?.run;
  if (!run || run.length === 0) return undefined;
  const states = new Set<RepositoryState>(run);
  if (states.has('verifyFailed')) for (const state of ['failed', 'changed'] as const) states.add(state);
  return states;
}

/** Whether the filter looks at what only a row says (so a large job's groups are filtered as loaded). */
export function filtersLoadedRows(filter: RepositoryFilter | undefined): boolean {
  if (isEmptyFilter(filter)) return false;
  return (
    !!filter?.review?.length ||
    !!filter?.pullRequest?.length ||
    !!filter?.checks?.length ||
    !!filter?.run?.includes('verifyFailed')
  );
}

export async function jobContents(
  model: JobsModel,
  job: Job,
  filter: RepositoryFilter | undefined,
  grouping: boolean,
): Promise<JobContents> {
  if (grouping && model.isPaged(job)) {
    const shown = groupStatesShown(filter);
    const groups = countedGroups(job).filter((group) => !shown || shown.has(group.state));
    return { paged: true, groups, loadedRowsOnly: filtersLoadedRows(filter) };
  }
  const list = await model.loadRepositories(job.jobId);
  return { paged: false, list, rows: list.items.filter((row) => matchesFilter(row, filter)) };
}

/** The rows of one counted group that the tree shows: its pages read so far, filtered. */
export async function groupRows(
  model: JobsModel,
  jobId: string,
  group: CountedGroup,
  filter: RepositoryFilter | undefined,
): Promise<GroupRows> {
  const list = await model.repositoriesInState(jobId, group.status);
  // The group is the run state already; a run filter must not hide its "verify failed" rows twice over.
  const rowFilter = filter && { ...filter, run: filter.run?.includes('verifyFailed') ? filter.run : undefined };
  return {
    rows: list.items.filter((row) => matchesFilter(row, rowFilter)),
    loaded: list.items.length,
    more: !!list.nextToken,
  };
}
