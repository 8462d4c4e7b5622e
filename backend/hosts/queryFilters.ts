import { nameFilter } from '../../common/repositoryQuery';
import type { RepositoryQuery } from '../../common/schemas';

// The filters of a repository query that every host applies alike once it knows its candidates'
// facts (topics, include/exclude, archived, forks, empty), and the notes on what each left out, in
// the host's word for a repository.

/** What the filters read of a candidate, as its host said it. */
export interface CandidateFacts {
  name: string;
  archived: boolean;
  fork: boolean;
  empty: boolean;
  topics: readonly string[];
}

/** `1 project`, `1,204 projects`. */
export function plural(count: number, one: string, many: string): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;
}

/**
 * The names of the candidates the query keeps, sorted without regard to case, and a note for each
 * filter that left some out. `checkTopics`: the topics were not the source, so they still filter.
 */
export function applyQueryFilters(
  query: RepositoryQuery,
  candidates: readonly CandidateFacts[],
  checkTopics: boolean,
  word: { one: string; many: string },
): { repositories: string[]; notes: string[] } {
  const topics = new Set((query.topics ?? []).map((topic) => topic.toLowerCase()));
  const matchesName = nameFilter(query.include, query.exclude);
  const left = { archived: 0, forks: 0, empty: 0, topics: 0, names: 0 };
  const repositories: string[] = [];
  for (const candidate of candidates) {
    if (checkTopics && !candidate.topics.some((topic) => topics.has(topic.toLowerCase()))) left.topics++;
    else if (!matchesName(candidate.name)) left.names++;
    else if (candidate.archived && !query.includeArchived) left.archived++;
    else if (candidate.fork && !query.includeForks) left.forks++;
    else if (candidate.empty) left.empty++;
    else repositories.push(candidate.name);
  }
  repositories.sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
  const notes: string[] = [];
  if (left.topics) notes.push(`${plural(left.topics, word.one, word.many)} without the topics left out`);
  if (left.names) notes.push(`${plural(left.names, word.one, word.many)} left out by include/exclude`);
  if (left.archived)
    notes.push(
      `${plural(left.archived, `archived ${word.one}`, `archived ${word.many}`)} left out (includeArchived keeps them)`,
    );
  if (left.forks) notes.push(`${plural(left.forks, 'fork', 'forks')} left out (includeForks keeps them)`);
  if (left.empty) notes.push(`${plural(left.empty, `empty ${word.one}`, `empty ${word.many}`)} skipped`);
  return { repositories, notes };
}
