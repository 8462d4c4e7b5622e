import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { followPublication, publishedAsAsked } from '../common/publication';
import {
  type BulkAction,
  BulkActionRequest,
  describeIssues,
  type Job,
  PublishRequest,
  type RepositoryActionResult,
  type RepositoryResult,
  ReviewRequest,
} from '../common/schemas';
import { reviewGroup } from './changes';
import { connect, type Connection, printTable, usageError } from './connect';
import { RepositoryStatus } from '../common/status';
import { forTerminal, printJson, say, sayError } from './terminal';

// After the diff: `status` (multi-gitter's), `review`, `publish`, `refresh`, `merge`, `close`,
// `comment` and `delete`. Every one prints text, or with --json the API's own shapes on stdout.
// Exit codes (docs/cli.md): 0 done; 1 the call failed; 2 bad arguments; 3 some repositories were
// not done (skipped or failed: each line says why).

export const EXIT_PARTIAL = 3;

const JSON_FLAG: Record<string, { type: 'boolean' }> = { json: { type: 'boolean' } };

export const STATUS_USAGE =
  'Usage: cody-batch status <jobId> [--status <STATUS>]… [--refresh] [--json]   (--status: ' +
  'only rows in that run status, e.g. FAILED; --refresh: ask the code host first)';

/** `cody-batch status <job>`: one line per repository with its run status, review, pull request and checks. */
export async function status(args: string[], connection: Connection): Promise<number> {
  const parsed = parse(
    args,
    { ...JSON_FLAG, refresh: { type: 'boolean' }, status: { type: 'string', multiple: true } },
    STATUS_USAGE,
  );
  if (typeof parsed === 'number') return parsed;
  const [jobId, ...extra] = parsed.positionals;
  if (!jobId || extra.length) return usageError(new Error('give one job id'), STATUS_USAGE);
  const wanted = (parsed.values.status as string[] | undefined) ?? [];
  const unknown = wanted.filter(
    (name) => !(RepositoryStatus.options as readonly string[]).includes(name.toUpperCase()),
  );
  if (unknown.length)
    return usageError(new Error(`--status ${unknown[0]}: one of ${RepositoryStatus.options.join(', ')}`), STATUS_USAGE);
  const statuses = [...new Set(wanted.map((name) => name.toUpperCase() as RepositoryStatus))];
  const client = await connect(connection);
  const job = parsed.values.refresh ? await client.refreshPullRequests(jobId) : await client.getJob(jobId);
  // The rows, or (--status) those of each status asked for, through the API's status index.
  async function* pages(): AsyncGenerator<RepositoryResult[]> {
    if (!statuses.length) yield* client.repositoryPages(jobId!);
    for (const one of statuses) yield* client.repositoryPages(jobId!, { status: one });
  }
  if (parsed.values.json) {
    const rows: RepositoryResult[] = [];
    for await (const page of pages()) rows.push(...page);
    printJson(statusJson(job, rows));
    return 0;
  }
  // The overview comes from the job item; the rows stream a page at a time (10,000 are 100 pages).
  say(`${job.name} (${job.jobId}): ${job.status}`);
  const { counts } = job;
  say(
    `repositories: ${counts.total} · ${counts.pending} pending, ${counts.running} running, ` +
      `${counts.completed} changed, ${counts.noChanges} without changes, ${counts.failed} ` +
      `failed, ${counts.cancelled} cancelled`,
  );
  const seen: RepositoryResult[] = [];
  if (job.reviewCounts) say(countsLine(job, seen));
  say('');
  printStreamedRow(STATUS_COLUMNS.map((column) => column.title));
  for await (const page of pages()) {
    for (const row of page) {
      printStreamedRow([
        row.repositoryName,
        row.status,
        reviewOf(row),
        row.pullRequest?.state ?? publicationWord(row),
        row.pullRequest?.checks ?? '-',
        row.pullRequest?.review ?? '-',
        row.pullRequestUrl ?? '',
      ]);
      // Jobs from before review counts are counted from their rows, once all are read.
      if (!job.reviewCounts) seen.push(row);
    }
  }
  // Counted from the rows read: all of them, not those of the statuses asked for.
  if (!job.reviewCounts && !statuses.length) say(`\n${countsLine(job, seen)}`);
  return 0;
}

/** `status`'s columns, at fixed widths: the rows print as their pages arrive, before all are known. */
const STATUS_COLUMNS = [
  { title: 'REPOSITORY', width: 40 },
  { title: 'STATUS', width: 11 },
  { title: 'REVIEW', width: 10 },
  { title: 'PULL REQUEST', width: 12 },
  { title: 'CHECKS', width: 7 },
  { title: 'PR REVIEW', width: 17 },
  { title: 'URL', width: 0 },
];

function printStreamedRow(cells: string[]): void {
  say(
    cells
      .map((cell, column) => forTerminal(cell).padEnd(STATUS_COLUMNS[column]!.width))
      .join('  ')
      .trimEnd(),
  );
}

/** What `status --json` prints: the job's counts and every repository's states. */
export function statusJson(job: Job, rows: RepositoryResult[]) {
  return {
    jobId: job.jobId,
    name: job.name,
    status: job.status,
    counts: job.counts,
    reviewCounts: job.reviewCounts,
    pullRequestCounts: job.pullRequestCounts,
    pullRequestsRefreshedAt: job.pullRequestsRefreshedAt,
    repositories: rows.map((row) => ({
      repositoryName: row.repositoryName,
      status: row.status,
      attempt: row.attempt,
      review: reviewOf(row),
      pullRequest: row.pullRequest ?? (row.pullRequestUrl ? { url: row.pullRequestUrl } : null),
      publication: row.publication ?? null,
      error: row.error ?? null,
    })),
  };
}

const REVIEW_USAGE =
  'Usage: cody-batch review <jobId> <owner/name> (--approve --digest <sha256> | --reject | --unreview) ' +
  `[--note <text>] [--attempt <n>] [--json]
       cody-batch review <jobId> --group <fingerprint> (approve | reject | unreview) [--opened <owner/name>,…] [--note <text>] [--json]
  --digest: the patch's digest, as \`cody-batch diff\` prints it: the approval is of the patch you read`;

/** `cody-batch review <job> <owner/name> --approve|--reject|--unreview`. */
export async function review(args: string[], connection: Connection): Promise<number> {
  const parsed = parse(
    args,
    {
      ...JSON_FLAG,
      approve: { type: 'boolean' },
      reject: { type: 'boolean' },
      unreview: { type: 'boolean' },
      note: { type: 'string' },
      attempt: { type: 'string' },
      digest: { type: 'string' },
      group: { type: 'string' },
      opened: { type: 'string' },
    },
    REVIEW_USAGE,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const [jobId, repository, ...extra] = positionals;
  if (values.group !== undefined)
    return reviewGroup(jobId, positionals.slice(1), values as Parameters<typeof reviewGroup>[2], connection);
  const states = (['approve', 'reject', 'unreview'] as const).filter((flag) => values[flag]);
  if (!jobId || !repository || extra.length || states.length !== 1)
    return usageError(
      new Error('give a job id, one repository and one of --approve, --reject, --unreview'),
      REVIEW_USAGE,
    );
  if (values.approve && values.digest === undefined)
    return usageError(
      new Error(
        `--approve needs --digest: the digest \`cody-batch diff ${jobId} ${repository}\` prints, so what is approved is the patch you read`,
      ),
      REVIEW_USAGE,
    );
  const request = ReviewRequest.safeParse({
    state: { approve: 'approved', reject: 'rejected', unreview: 'unreviewed' }[states[0]!],
    note: values.note,
    attempt: values.attempt === undefined ? undefined : Number(values.attempt),
    digest: typeof values.digest === 'string' ? values.digest.toLowerCase() : undefined,
  });
  if (!request.success) return usageError(new Error(describeIssues(request.error)), REVIEW_USAGE);
  const row = await (await connect(connection)).reviewRepository(jobId, repository, request.data);
  if (values.json) printJson(row);
  else say(`${row.repositoryName} (attempt ${row.attempt}): ${reviewOf(row)}`);
  return 0;
}

const PUBLISH_USAGE = `Usage: cody-batch publish <jobId> [owner/name ...] [--approved] [--draft | --ready] [--auto-merge merge|squash|rebase] [--wait] [--json]
  Opens pull requests for the job's completed repositories that have none (or only those named),
  with the job's pull-request settings: exactly the reviewed diff on its recorded base commit; a
  follow-up round's reviewed diff goes onto its pull request's branch, a fast-forward of its head.
  --approved: only the approved ones; --auto-merge: turn on the host's auto-merge (a pull request with
  nothing left to wait for is merged now); --wait: until every one is published or failed`;

export async function publish(args: string[], connection: Connection): Promise<number> {
  const parsed = parse(
    args,
    {
      ...JSON_FLAG,
      approved: { type: 'boolean' },
      draft: { type: 'boolean' },
      ready: { type: 'boolean' },
      wait: { type: 'boolean' },
      'auto-merge': { type: 'string' },
    },
    PUBLISH_USAGE,
  );
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const [jobId, ...names] = positionals;
  if (!jobId) return usageError(new Error('give a job id'), PUBLISH_USAGE);
  if (values.draft && values.ready) return usageError(new Error('give --draft or --ready, not both'), PUBLISH_USAGE);
  const request = PublishRequest.safeParse({
    ...(names.length ? { repositories: names } : {}),
    ...(values.approved ? { approved: true } : {}),
    ...(values.draft ? { draft: true } : values.ready ? { draft: false } : {}),
    ...(values['auto-merge'] !== undefined ? { autoMerge: values['auto-merge'] } : {}),
  });
  if (!request.success) return usageError(new Error(describeIssues(request.error)), PUBLISH_USAGE);
  const client = await connect(connection);
  const answer = await client.publish(jobId, request.data);
  let results = answer.results;
  if (values.wait) results = await followPublication(client, jobId, results);
  if (values.json) printJson({ ...answer, results });
  else printResults(results);
  // With --approved, a rejected (or unreviewed) repository left out is what was asked, not a failure.
  return results.every((result) => publishedAsAsked(result, !!values.approved)) ? 0 : EXIT_PARTIAL;
}

const REFRESH_USAGE = 'Usage: cody-batch refresh <jobId> [--json]   (asks the code host about every pull request now)';

export async function refresh(args: string[], connection: Connection): Promise<number> {
  const parsed = parse(args, JSON_FLAG, REFRESH_USAGE);
  if (typeof parsed === 'number') return parsed;
  const [jobId, ...extra] = parsed.positionals;
  if (!jobId || extra.length) return usageError(new Error('give one job id'), REFRESH_USAGE);
  const client = await connect(connection);
  const job = await client.refreshPullRequests(jobId);
  if (parsed.values.json) printJson(job);
  else say(countsLine(job, await client.allRepositories(jobId)));
  return 0;
}

const BULK_USAGE: Record<BulkAction, string> = {
  merge: `Usage: cody-batch merge <jobId> [owner/name ...] [filters] [--method merge|squash|rebase] [--delete-branch] [--json]
  Merges the pull requests (all open ones, the named ones, or those the filters choose); never
  forces: drafts, conflicts, failing or pending checks and requested changes are skipped, with why`,
  'auto-merge': `Usage: cody-batch auto-merge <jobId> [owner/name ...] [filters] [--method merge|squash|rebase] [--json]
  Turns on the host's auto-merge (it merges each once its checks and reviews allow); one with
  nothing left to wait for is merged now under merge's rules, and the line says so`,
  close: `Usage: cody-batch close <jobId> [owner/name ...] [filters] [--delete-branch] [--json]`,
  comment: `Usage: cody-batch comment <jobId> [owner/name ...] [filters] (--body <text> | --body-file <path>) [--json]`,
};
const FILTER_USAGE = `Filters (each a list, a,b): --state open,draft,merged,closed  --checks passing,failing,pending,none
  --review approved,changes_requested,review_required,none  --mergeable yes|no`;

/** `cody-batch merge|close|comment`: one action on many pull requests, a line (or a JSON result) per repository. */
export function bulk(action: BulkAction) {
  return async (args: string[], connection: Connection): Promise<number> => {
    const usage = `${BULK_USAGE[action]}\n${FILTER_USAGE}`;
    const parsed = parse(
      args,
      {
        ...JSON_FLAG,
        state: { type: 'string' },
        checks: { type: 'string' },
        review: { type: 'string' },
        mergeable: { type: 'string' },
        method: { type: 'string' },
        'delete-branch': { type: 'boolean' },
        body: { type: 'string' },
        'body-file': { type: 'string' },
      },
      usage,
    );
    if (typeof parsed === 'number') return parsed;
    const { values, positionals } = parsed;
    const [jobId, ...names] = positionals;
    if (!jobId) return usageError(new Error('give a job id'), usage);
    let body = values.body as string | undefined;
    const bodyFile = values['body-file'] as string | undefined;
    if (bodyFile !== undefined) {
      if (body !== undefined) return usageError(new Error('give --body or --body-file, not both'), usage);
      try {
        body = await readFile(bodyFile, 'utf8');
      } catch (error) {
        return usageError(new Error(`cannot read ${bodyFile}: ${(error as NodeJS.ErrnoException).code}`), usage);
      }
    }
    const list = listFlag;
    const filter = {
      ...(values.state ? { state: list(values.state as string) } : {}),
      ...(values.checks ? { checks: list(values.checks as string) } : {}),
      ...(values.review ? { review: list(values.review as string) } : {}),
      ...(values.mergeable !== undefined
        ? { mergeable: values.mergeable === 'yes' ? true : values.mergeable === 'no' ? false : values.mergeable }
        : {}),
    };
    const request = BulkActionRequest.safeParse({
      ...(names.length ? { repositories: names } : {}),
      ...(Object.keys(filter).length ? { filter } : {}),
      ...(values.method !== undefined ? { method: values.method } : {}),
      ...(values['delete-branch'] ? { deleteBranch: true } : {}),
      ...(body !== undefined ? { body } : {}),
    });
    if (!request.success) return usageError(new Error(describeIssues(request.error)), usage);
    const client = await connect(connection);
    const results = await client.pullRequestActionAll(jobId, action, request.data, {
      onProgress: (progress) => {
        if (progress.waitingSeconds)
          sayError(
            `${progress.done} done, ${progress.remaining} to go: waiting ${progress.waitingSeconds} s (${progress.reason ?? 'rate limit'})`,
          );
      },
    });
    if (values.json) printJson({ results });
    else printResults(results);
    return results.every((result) => result.outcome === 'done') ? 0 : EXIT_PARTIAL;
  };
}

const DELETE_USAGE = `Usage: cody-batch delete <jobId> --yes [--close-pull-requests] [--json]
  Deletes a finished job, its repository results and artifacts; this cannot be undone. Its pull
  requests stay open unless --close-pull-requests`;

export async function deleteJob(args: string[], connection: Connection): Promise<number> {
  const parsed = parse(
    args,
    { ...JSON_FLAG, yes: { type: 'boolean' }, 'close-pull-requests': { type: 'boolean' } },
    DELETE_USAGE,
  );
  if (typeof parsed === 'number') return parsed;
  const [jobId, ...extra] = parsed.positionals;
  if (!jobId || extra.length) return usageError(new Error('give one job id'), DELETE_USAGE);
  if (!parsed.values.yes) return usageError(new Error('deleting a job cannot be undone: add --yes'), DELETE_USAGE);
  const answer = await (await connect(connection)).deleteJob(jobId, {
    ...(parsed.values['close-pull-requests'] ? { closePullRequests: true } : {}),
  });
  if (parsed.values.json) printJson(answer);
  else {
    if (answer.results) printResults(answer.results);
    say(`Deleted job ${answer.jobId}.`);
  }
  return 0;
}

interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** Parses a command's flags; a number is the exit code of a usage error. */
function parse(
  args: string[],
  options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }>,
  usage: string,
): Parsed | number {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true }) as Parsed;
  } catch (error) {
    return usageError(error, usage);
  }
}

/** A flag's comma-separated list (`--state open,draft`), or undefined when absent. */
export function listFlag(value: string | undefined): string[] | undefined {
  return value
    ?.split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

export function printResults(results: RepositoryActionResult[]): void {
  if (!results.length) {
    say('No pull requests matched.');
    return;
  }
  printTable([
    ['REPOSITORY', 'RESULT', 'DETAIL'],
    ...results.map((result) => [result.repositoryName, result.outcome, result.reason ?? result.pullRequest?.url ?? '']),
  ]);
}

function reviewOf(row: RepositoryResult): string {
  return row.review && row.review.attempt === row.attempt ? row.review.state : 'unreviewed';
}

function publicationWord(row: RepositoryResult): string {
  if (!row.publication) return '-';
  return row.publication.status === 'failed' ? `publish failed` : row.publication.status;
}

/** `reviews: 1 approved, 2 rejected, 3 unreviewed · pull requests: 2 open, 1 merged · checks: 1 failing`. */
function countsLine(job: Job, rows: RepositoryResult[]): string {
  const reviews = job.reviewCounts ?? {
    approved: rows.filter((row) => reviewOf(row) === 'approved').length,
    rejected: rows.filter((row) => reviewOf(row) === 'rejected').length,
    unreviewed: rows.filter((row) => reviewOf(row) === 'unreviewed').length,
  };
  const parts = [
    `reviews: ${reviews.approved} approved, ${reviews.rejected} rejected, ${reviews.unreviewed} unreviewed`,
  ];
  const prs = job.pullRequestCounts;
  if (prs) {
    parts.push(`pull requests: ${prs.open} open, ${prs.draft} draft, ${prs.merged} merged, ${prs.closed} closed`);
    parts.push(`checks: ${prs.checksPassing} passing, ${prs.checksFailing} failing, ${prs.checksPending} pending`);
  }
  return parts.join(' · ');
}
