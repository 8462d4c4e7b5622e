import type { ChecksState, PullRequestState, RepositoryResult, ReviewState } from '../../common/schemas';
import { reviewOf } from './reviewLook';
import { type RepositoryState, repositoryState, stateWord } from '../../common/repositoryStates';

// Which of a job's repositories the tree shows: by run state, review, pull-request state and
// checks. Within one kind any chosen value matches; across kinds every kind must. No vscode.

export type PullRequestChoice = PullRequestState | 'none';

export interface RepositoryFilter {
  run?: RepositoryState[];
  review?: ReviewState[];
  pullRequest?: PullRequestChoice[];
  checks?: ChecksState[];
}

export type FilterKind = keyof RepositoryFilter;

/** One entry of the filter's quick pick. */
export interface FilterOption {
  kind: FilterKind;
  value: string;
  label: string;
}

const RUN_CHOICES: RepositoryState[] = [
  'failed',
  'verifyFailed',
  'changed',
  'noChanges',
  'running',
  'pending',
  'cancelled',
];

export const FILTER_OPTIONS: readonly FilterOption[] = [
  ...RUN_CHOICES.map((value) => ({ kind: 'run' as const, value, label: stateWord(value) })),
  ...(['approved', 'rejected', 'unreviewed'] as const).map((value) => ({
    kind: 'review' as const,
    value,
    label: value,
  })),
  ...(['open', 'draft', 'merged', 'closed'] as const).map((value) => ({
    kind: 'pullRequest' as const,
    value,
    label: `PR ${value}`,
  })),
  { kind: 'pullRequest', value: 'none', label: 'no PR' },
  ...(['passing', 'failing', 'pending'] as const).map((value) => ({
    kind: 'checks' as const,
    value,
    label: `checks ${value}`,
  })),
];

export const FILTER_KIND_TITLES: Record<FilterKind, string> = {
  run: 'Run',
  review: 'Review',
  pullRequest: 'Pull request',
  checks: 'Checks',
};

export function isEmptyFilter(filter: RepositoryFilter | undefined): boolean {
  return !filter || Object.values(filter).every((values) => !values || values.length === 0);
}

export function matchesFilter(repository: RepositoryResult, filter: RepositoryFilter | undefined): boolean {
  if (!filter) return true;
  const pick = <T>(values: T[] | undefined, value: T) => !values || values.length === 0 || values.includes(value);
  const pullRequest = repository.pullRequest;
  return (
    pick(filter.run, repositoryState(repository)) &&
    pick(filter.review, reviewOf(repository)) &&
    pick(filter.pullRequest, pullRequest?.state ?? 'none') &&
    // Checks only say something about a pull request that has them.
    (!filter.checks || filter.checks.length === 0 || (!!pullRequest && filter.checks.includes(pullRequest.checks)))
  );
}

/** The filter built from the quick pick's chosen entries. */
export function filterFromOptions(options: readonly Pick<FilterOption, 'kind' | 'value'>[]): RepositoryFilter {
  const filter: Record<string, string[]> = {};
  for (const option of options) filter[option.kind] = [...(filter[option.kind] ?? []), option.value];
  return filter as RepositoryFilter;
}

/** Whether the quick pick entry is part of the filter (to show it picked). */
export function filterHas(filter: RepositoryFilter | undefined, option: Pick<FilterOption, 'kind' | 'value'>): boolean {
  return (filter?.[option.kind] as string[] | undefined)?.includes(option.value) ?? false;
}

/** `approved or rejected, PR open`: what the job row and confirmations say about the filter. */
export function filterText(filter: RepositoryFilter | undefined): string {
  if (isEmptyFilter(filter)) return '';
  const groups = new Map<FilterKind, string[]>();
  for (const option of FILTER_OPTIONS)
    if (filterHas(filter, option)) groups.set(option.kind, [...(groups.get(option.kind) ?? []), option.label]);
  return [...groups.values()].map((labels) => labels.join(' or ')).join(', ');
}

/** How many of `rows` each option matches alone, by `kind:value`: the pick shows them and hides the empty ones. */
export function optionCounts(rows: readonly RepositoryResult[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const option of FILTER_OPTIONS) {
    const filter = filterFromOptions([option]);
    counts.set(`${option.kind}:${option.value}`, rows.filter((row) => matchesFilter(row, filter)).length);
  }
  return counts;
}
