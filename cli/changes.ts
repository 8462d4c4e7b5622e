import { parseArgs } from 'node:util';
import { ApiError, type CodyBatchClient } from '../common/client';
import {
  type ChangeGroup,
  describeIssues,
  GroupReviewRequest,
  type JobChanges,
  PatchRevisionRequest,
} from '../common/schemas';
import { differingSurroundings, type Surroundings, surroundingsText } from '../common/surroundings';
import { connect, type Connection, printTable, usageError } from './connect';
import { operationLine } from '../common/operationProgress';
import { printJson, say, sayError, stderrLine } from './terminal';

// Review at scale: `changes` (a job's distinct changes and its outliers; `--group`, one change with
// what surrounds it where that differs), `review --group` (one change for all its repositories)
// and `drop` (leave hunks out of one repository's patch).

export const CHANGES_USAGE =
  'Usage: cody-batch changes <jobId> [--group <fingerprint or its first 8+ digits>] [--json]';
export const GROUP_REVIEW_USAGE =
  'Usage: cody-batch review <jobId> --group <fingerprint or its first 8+ digits> (approve ' +
  '| reject | unreview) [--opened <owner/name>,…] [--note <text>] [--json]';
export const DROP_USAGE =
  'Usage: cody-batch drop <jobId> <owner/name> <path>[:<hunk>,<hunk>…] … [--based-on <revision>] [--json]   (hunks from 0; a path alone: the whole file)';

/**
 * `cody-batch changes <job>`: one line per group, largest first, then the flagged repositories.
 * With `--group`: that group, and for each of its members with the same lines in other surroundings
 * the hunks whose surroundings differ (what must be read before approving the group as one).
 */
export async function changes(args: string[], connection: Connection): Promise<number> {
  let parsed: ReturnType<
    typeof parseArgs<{ options: { json: { type: 'boolean' }; group: { type: 'string' } }; allowPositionals: true }>
  >;
  try {
    parsed = parseArgs({
      args,
      options: { json: { type: 'boolean' }, group: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    return usageError(error, CHANGES_USAGE);
  }
  const [jobId, ...extra] = parsed.positionals;
  if (!jobId || extra.length) return usageError(new Error('give one job id'), CHANGES_USAGE);
  const prefix = parsed.values.group?.toLowerCase();
  if (prefix !== undefined && !/^[0-9a-f]{8,64}$/.test(prefix))
    return usageError(new Error('--group takes a fingerprint, or its first 8 or more hex digits'), CHANGES_USAGE);
  const client = await connect(connection);
  if (prefix !== undefined) return showGroup(client, jobId, prefix, parsed.values.json === true);
  const answer = await client.getChanges(jobId);
  if (parsed.values.json) {
    printJson(answer);
    return 0;
  }
  printChanges(answer);
  return 0;
}

/** One group: its members, and where they have the same lines in other surroundings, those hunks. */
async function showGroup(client: CodyBatchClient, jobId: string, prefix: string, json: boolean): Promise<number> {
  const group = await findGroup(client, jobId, prefix);
  if (typeof group === 'string') {
    sayError(`cody-batch: ${group}`);
    return 1;
  }
  const variants = group.surroundings ?? [];
  const shown = variants.length ? ((await client.getDiff(jobId, group.representative)).patch ?? '') : '';
  const read: { repositories: string[]; surroundings: Surroundings }[] = [];
  for (const variant of variants) {
    const patch = (await client.getDiff(jobId, variant.repositories[0]!)).patch ?? '';
    read.push({ repositories: variant.repositories, surroundings: differingSurroundings(shown, patch) });
  }
  if (json) {
    printJson({ group, surroundings: read });
    return 0;
  }
  const count = group.repositories.length;
  say(
    `Change ${group.fingerprint.slice(0, 12)} of job ${jobId}: ${count} ` +
      `${count === 1 ? 'repository' : 'repositories'}, +${group.additions} -${group.deletions} ` +
      `in ${listed(group.files)}`,
  );
  say(
    `  shown: ${group.representative}${count > 1 ? ` · also ${group.repositories.filter((name) => name !== group.representative).join(', ')}` : ''}`,
  );
  if (!read.length) {
    say("Every member's diff reads as the shown one's (the same lines, in the same surroundings).");
    return 0;
  }
  for (const variant of read) {
    const [first, ...alike] = variant.repositories;
    say(
      `\n${first}: same lines, different ` +
        `surroundings${alike.length ? ` (so do ${alike.join(', ')})` : ''}; ! marks lines ` +
        `${group.representative} does not have around the change`,
    );
    for (const line of surroundingsText(variant.surroundings)) say(`  ${line}`);
  }
  const opened = read.map((variant) => variant.repositories[0]).join(',');
  say(
    `\nOnce you have read them: cody-batch review ${jobId} --group ${group.fingerprint.slice(0, 12)} approve --opened ${opened}`,
  );
  return 0;
}

function printChanges(answer: JobChanges): void {
  const { groups, flagged } = answer;
  const total = groups.reduce((sum, group) => sum + group.repositories.length, 0);
  say(`${groups.length} distinct change${groups.length === 1 ? '' : 's'} in ${total} repositories`);
  if (groups.length)
    printTable([
      ['GROUP', 'REPOS', 'CHANGE', 'FILES', 'REVIEWS', 'REPRESENTATIVE'],
      ...groups.map((group) => [
        group.fingerprint.slice(0, 12),
        String(group.repositories.length),
        `${describe(group, groups, flagged)} +${group.additions} -${group.deletions}`,
        listed(group.files),
        `${group.reviewCounts.approved} approved, ${group.reviewCounts.rejected} rejected, ${group.reviewCounts.unreviewed} unreviewed`,
        group.representative,
      ]),
    ]);
  if (flagged.length) {
    say(`\n${flagged.length} flagged:`);
    printTable(
      flagged.map((entry) => [
        entry.repositoryName,
        entry.fingerprint.slice(0, 12),
        entry.reasons.map((reason) => reason.message).join('; '),
      ]),
      '  ',
    );
  }
  if (answer.unreadable.length) say(`\nDiff missing from the artifact store: ${answer.unreadable.join(', ')}`);
}

/** "the same change", "a variant of 1f2e3d4c5b6a", "outlier". */
function describe(group: ChangeGroup, groups: readonly ChangeGroup[], flagged: JobChanges['flagged']): string {
  const others = group.surroundings?.length
    ? ` (same lines, ${group.surroundings.length} other surroundings: changes --group)`
    : '';
  if (group.variantOf) return `a variant of ${group.variantOf.slice(0, 12)}${others}`;
  if (group === groups[0] && group.repositories.length > 1) return `the same change${others}`;
  const outlier = group.repositories.some((name) => flagged.some((entry) => entry.repositoryName === name));
  return `${outlier ? 'outlier' : 'the same change'}${others}`;
}

function listed(files: readonly string[]): string {
  return files.length <= 3 ? files.join(', ') : `${files.slice(0, 3).join(', ')} +${files.length - 3}`;
}

/** `cody-batch review <job> --group <fingerprint> approve|reject|unreview`: the whole group, as it was seen. */
export async function reviewGroup(
  jobId: string | undefined,
  positionals: string[],
  values: { group?: string; note?: string; json?: boolean; opened?: string },
  connection: Connection,
): Promise<number> {
  const verbs = { approve: 'approved', reject: 'rejected', unreview: 'unreviewed' } as const;
  const [verb, ...extra] = positionals;
  const prefix = values.group?.toLowerCase() ?? '';
  if (!jobId || !verb || !(verb in verbs) || extra.length)
    return usageError(new Error('give a job id and one of approve, reject, unreview'), GROUP_REVIEW_USAGE);
  if (!/^[0-9a-f]{8,64}$/.test(prefix))
    return usageError(new Error('--group takes a fingerprint, or its first 8 or more hex digits'), GROUP_REVIEW_USAGE);
  const client = await connect(connection);
  const group = await findGroup(client, jobId, prefix);
  if (typeof group === 'string') {
    sayError(`cody-batch: ${group}`);
    return 1;
  }
  // The members as read now, each with its patch's digest: the server refuses (409) if the group
  // or any member's patch has changed before it writes.
  const missing = group.repositories.filter((name) => !group.digests?.[name]);
  if (missing.length) {
    sayError(`cody-batch: the server gave no patch digest for ${missing.join(', ')}`);
    return 1;
  }
  const request = GroupReviewRequest.safeParse({
    state: verbs[verb as keyof typeof verbs],
    note: values.note,
    members: group.repositories.map((repositoryName) => ({ repositoryName, digest: group.digests![repositoryName] })),
    ...(values.opened !== undefined ? { openedVariants: values.opened.split(',').filter(Boolean) } : {}),
  });
  if (!request.success) return usageError(new Error(describeIssues(request.error)), GROUP_REVIEW_USAGE);
  let answer;
  try {
    // A large group is reviewed as an operation, followed to its end (a line a second on stderr).
    answer = await client.reviewChangeGroup(jobId, group.fingerprint, request.data, {
      onProgress: (step) => {
        if (!values.json && step.operation.status === 'running') stderrLine(operationLine(step.operation));
      },
    });
  } catch (error) {
    if (!(error instanceof ApiError) || error.code !== 'VARIANTS_NOT_OPENED') throw error;
    sayError(
      `cody-batch: ${error.message}.\nRead them: cody-batch changes ${jobId} --group ` +
        `${group.fingerprint.slice(0, 12)}; then approve naming each you read with --opened ` +
        `<owner/name>,…`,
    );
    return 1;
  }
  const names = answer.operation ? group.repositories : answer.repositories.map((row) => row.repositoryName);
  if (values.json) printJson(answer);
  else say(`${names.length} repositories ${request.data.state}: ${names.join(', ')}`);
  return 0;
}

/** The change group a fingerprint (or its first digits) names, or why none. */
export async function findGroup(client: CodyBatchClient, jobId: string, prefix: string): Promise<ChangeGroup | string> {
  const { groups } = await client.getChanges(jobId);
  const matches = groups.filter((group) => group.fingerprint.startsWith(prefix));
  if (matches.length === 1) return matches[0]!;
  return matches.length
    ? `${prefix} names ${matches.length} groups of job ${jobId}; give more digits`
    : `Job ${jobId} has no change ${prefix} now (\`cody-batch changes ${jobId}\` lists them)`;
}

/** `cody-batch drop <job> <owner/name> <path>[:<hunks>] …`: a new revision of the patch without them. */
export async function drop(args: string[], connection: Connection): Promise<number> {
  let parsed: ReturnType<
    typeof parseArgs<{
      options: { json: { type: 'boolean' }; 'based-on': { type: 'string' } };
      allowPositionals: true;
    }>
  >;
  try {
    parsed = parseArgs({
      args,
      options: { json: { type: 'boolean' }, 'based-on': { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    return usageError(error, DROP_USAGE);
  }
  const [jobId, repository, ...targets] = parsed.positionals;
  if (!jobId || !repository || targets.length === 0)
    return usageError(new Error('give a job id, a repository and what to leave out'), DROP_USAGE);
  const client = await connect(connection);
  const basedOn =
    parsed.values['based-on'] === undefined
      ? ((await client.getRepository(jobId, repository)).patchRevision ?? 0)
      : Number(parsed.values['based-on']);
  const request = PatchRevisionRequest.safeParse({
    basedOn,
    drop: targets.map((target) => {
      const match = /^(.*):(\d+(?:,\d+)*)$/.exec(target);
      return match ? { path: match[1], hunks: match[2]!.split(',').map(Number) } : { path: target };
    }),
  });
  if (!request.success) return usageError(new Error(describeIssues(request.error)), DROP_USAGE);
  const row = await client.revisePatch(jobId, repository, request.data);
  if (parsed.values.json) printJson(row);
  else {
    const stats = row.diffStats!;
    say(
      `${row.repositoryName}: patch revision ${row.patchRevision} (${stats.files} files, ` +
        `+${stats.additions} -${stats.deletions}), unreviewed; revision 0 stays readable`,
    );
  }
  return 0;
}
