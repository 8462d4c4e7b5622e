import { parseArgs } from 'node:util';
import type { CodyBatchClient } from '../common/client';
import {
  type ChangeGroup,
  describeIssues,
  GroupReviewRequest,
  type JobChanges,
  PatchRevisionRequest,
} from '../common/schemas';
import { connect, type Connection, printTable, usageError } from './connect';
import { forTerminal } from './terminal';

// Review at scale: `changes` (a job's distinct changes and its outliers), `review --group` (one
// change for all its repositories) and `drop` (leave hunks out of one repository's patch).

export const CHANGES_USAGE = 'Usage: cody-batch changes <jobId> [--json]';
export const GROUP_REVIEW_USAGE =
  'Usage: cody-batch review <jobId> --group <fingerprint or its first 8+ digits> (approve | reject | unreview) [--note <text>] [--json]';
export const DROP_USAGE =
  'Usage: cody-batch drop <jobId> <owner/name> <path>[:<hunk>,<hunk>…] … [--based-on <revision>] [--json]   (hunks from 0; a path alone: the whole file)';

/** `cody-batch changes <job>`: one line per group, largest first, then the flagged repositories. */
export async function changes(args: string[], connection: Connection): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: { json: { type: 'boolean' } }; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args, options: { json: { type: 'boolean' } }, allowPositionals: true, strict: true });
  } catch (error) {
    return usageError(error, CHANGES_USAGE);
  }
  const [jobId, ...extra] = parsed.positionals;
  if (!jobId || extra.length) return usageError(new Error('give one job id'), CHANGES_USAGE);
  const answer = await (await connect(connection)).getChanges(jobId);
  if (parsed.values.json) {
    process.stdout.write(`${JSON.stringify(answer)}\n`);
    return 0;
  }
  printChanges(answer);
  return 0;
}

function printChanges(answer: JobChanges): void {
  const { groups, flagged } = answer;
  const total = groups.reduce((sum, group) => sum + group.repositories.length, 0);
  console.log(`${groups.length} distinct change${groups.length === 1 ? '' : 's'} in ${total} repositories`);
  if (groups.length)
    printTable(
      [
        ['GROUP', 'REPOS', 'CHANGE', 'FILES', 'REVIEWS', 'REPRESENTATIVE'],
        ...groups.map((group) => [
          group.fingerprint.slice(0, 12),
          String(group.repositories.length),
          `${describe(group, groups, flagged)} +${group.additions} -${group.deletions}`,
          listed(group.files),
          `${group.reviewCounts.approved} approved, ${group.reviewCounts.rejected} rejected, ${group.reviewCounts.unreviewed} unreviewed`,
          group.representative,
        ]),
      ].map((row) => row.map(forTerminal)),
    );
  if (flagged.length) {
    console.log(`\n${flagged.length} flagged:`);
    printTable(
      flagged.map((entry) => [
        entry.repositoryName,
        entry.fingerprint.slice(0, 12),
        forTerminal(entry.reasons.map((reason) => reason.message).join('; ')),
      ]),
      '  ',
    );
  }
  if (answer.unreadable.length) console.log(`\nDiff missing from the artifact store: ${answer.unreadable.join(', ')}`);
}

/** "the same change", "a variant of 1f2e3d4c5b6a", "outlier". */
function describe(group: ChangeGroup, groups: readonly ChangeGroup[], flagged: JobChanges['flagged']): string {
  if (group.variantOf) return `a variant of ${group.variantOf.slice(0, 12)}`;
  if (group === groups[0] && group.repositories.length > 1) return 'the same change';
  const outlier = group.repositories.some((name) => flagged.some((entry) => entry.repositoryName === name));
  return outlier ? 'outlier' : 'the same change';
}

function listed(files: readonly string[]): string {
  return files.length <= 3 ? files.join(', ') : `${files.slice(0, 3).join(', ')} +${files.length - 3}`;
}

/** `cody-batch review <job> --group <fingerprint> approve|reject|unreview`: the whole group, as it was seen. */
export async function reviewGroup(
  jobId: string | undefined,
  positionals: string[],
  values: { group?: string; note?: string; json?: boolean },
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
    console.error(forTerminal(`cody-batch: ${group}`));
    return 1;
  }
  // The members as read now, each with its patch's digest: the server refuses (409) if the group
  // or any member's patch has changed before it writes.
  const missing = group.repositories.filter((name) => !group.digests?.[name]);
  if (missing.length) {
    console.error(forTerminal(`cody-batch: the server gave no patch digest for ${missing.join(', ')}`));
    return 1;
  }
  const request = GroupReviewRequest.safeParse({
    state: verbs[verb as keyof typeof verbs],
    note: values.note,
    members: group.repositories.map((repositoryName) => ({ repositoryName, digest: group.digests![repositoryName] })),
  });
  if (!request.success) return usageError(new Error(describeIssues(request.error)), GROUP_REVIEW_USAGE);
  const answer = await client.reviewChangeGroup(jobId, group.fingerprint, request.data);
  if (values.json) process.stdout.write(`${JSON.stringify(answer)}\n`);
  else
    console.log(
      forTerminal(
        `${answer.repositories.length} repositories ${request.data.state}: ${answer.repositories.map((row) => row.repositoryName).join(', ')}`,
      ),
    );
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
  if (parsed.values.json) process.stdout.write(`${JSON.stringify(row)}\n`);
  else {
    const stats = row.diffStats!;
    console.log(
      forTerminal(
        `${row.repositoryName}: patch revision ${row.patchRevision} (${stats.files} files, +${stats.additions} -${stats.deletions}), unreviewed; revision 0 stays readable`,
      ),
    );
  }
  return 0;
}
