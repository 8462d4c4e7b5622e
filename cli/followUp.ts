import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { describeIssues, type FollowUpReason, FollowUpRequest } from '../common/schemas';
import { findGroup } from './changes';
import { connect, type Connection, usageError } from './connect';
import { EXIT_PARTIAL, listFlag, printResults } from './pullRequests';
import { printJson, say, sayError } from './terminal';

// `cody-batch follow-up <job>`: a follow-up round on the job's open pull requests. One line per
// repository, queued or skipped with why; exit 3 when any was skipped (as publish and merge do).

export const FOLLOW_UP_USAGE = `Usage: cody-batch follow-up <jobId> (--checks | --review | --conflicts | --instruction-file <path> | --from-comment <url>)
         [owner/name ... | --repos a,b | --group <fingerprint>] [--state s] [--checks-state c] [--review-state r]
         [--mergeable yes|no] [--auto-push] [--max-rounds <n>] [--json]
  Runs a round on each chosen open pull request, from its head: --checks fixes failing checks (Claude
  reads their output, annotations and log tails), --review answers review comments since the last round,
  --conflicts merges the base branch in (Claude resolves the conflicts; a command job runs its command
  again), --instruction-file / --from-comment gives every chosen pull request one instruction (a
  reviewer's comment, promoted). Without a list, a group or filters, each reason picks the pull requests
  it applies to. The round's diff waits for review and \`publish\` unless --auto-push; at most --max-rounds
  rounds per pull request (default 2, at most 5)`;

const REASON_FLAGS: Record<string, FollowUpReason> = {
  checks: 'checks',
  review: 'review',
  conflicts: 'conflicts',
  'instruction-file': 'instruction',
  'from-comment': 'instruction',
};

export async function followUp(args: string[], connection: Connection): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean' },
        checks: { type: 'boolean' },
        review: { type: 'boolean' },
        conflicts: { type: 'boolean' },
        'instruction-file': { type: 'string' },
        'from-comment': { type: 'string' },
        repos: { type: 'string' },
        group: { type: 'string' },
        state: { type: 'string' },
        'checks-state': { type: 'string' },
        'review-state': { type: 'string' },
        mergeable: { type: 'string' },
        'auto-push': { type: 'boolean' },
        'max-rounds': { type: 'string' },
      },
    });
  } catch (error) {
    return usageError(error, FOLLOW_UP_USAGE);
  }
  const { values, positionals } = parsed;
  const [jobId, ...named] = positionals;
  if (!jobId) return usageError(new Error('give a job id'), FOLLOW_UP_USAGE);
  const reasons = Object.keys(REASON_FLAGS).filter((flag) => values[flag as keyof typeof values] !== undefined);
  if (reasons.length !== 1)
    return usageError(
      new Error('give one of --checks, --review, --conflicts, --instruction-file or --from-comment'),
      FOLLOW_UP_USAGE,
    );
  const reason = REASON_FLAGS[reasons[0]!]!;
  let instruction: string | undefined;
  if (values['instruction-file'] !== undefined) {
    try {
      instruction = await readFile(values['instruction-file'], 'utf8');
    } catch (error) {
      return usageError(
        new Error(`cannot read ${values['instruction-file']}: ${(error as NodeJS.ErrnoException).code}`),
        FOLLOW_UP_USAGE,
      );
    }
  }
  const listed = [...named, ...(listFlag(values.repos) ?? [])];
  const choices = (listed.length ? 1 : 0) + (values.group !== undefined ? 1 : 0);
  const filter = {
    ...(values.state ? { state: listFlag(values.state) } : {}),
    ...(values['checks-state'] ? { checks: listFlag(values['checks-state']) } : {}),
    ...(values['review-state'] ? { review: listFlag(values['review-state']) } : {}),
    ...(values.mergeable !== undefined ? { mergeable: yesNo(values.mergeable) } : {}),
  };
  if (choices > 1 || (choices && Object.keys(filter).length))
    return usageError(
      new Error('choose by names (or --repos), by --group, or by filters: one of them'),
      FOLLOW_UP_USAGE,
    );
  if (values.group !== undefined && !/^[0-9a-f]{8,64}$/.test(values.group.toLowerCase()))
    return usageError(new Error('--group takes a fingerprint, or its first 8 or more hex digits'), FOLLOW_UP_USAGE);
  const draft = {
    reason,
    ...(listed.length ? { repositories: listed } : {}),
    ...(Object.keys(filter).length ? { filter } : {}),
    ...(instruction !== undefined ? { instruction } : {}),
    ...(values['from-comment'] !== undefined ? { fromComment: values['from-comment'] } : {}),
    ...(values['auto-push'] ? { push: 'auto' } : {}),
    ...(values['max-rounds'] !== undefined ? { maxRounds: Number(values['max-rounds']) } : {}),
  };
  const request = FollowUpRequest.safeParse(draft);
  if (!request.success) return usageError(new Error(describeIssues(request.error)), FOLLOW_UP_USAGE);
  const client = await connect(connection);
  if (values.group !== undefined) {
    // The group's members as they are now: the same round for every pull request of one change.
    const group = await findGroup(client, jobId, values.group.toLowerCase());
    if (typeof group === 'string') {
      sayError(`cody-batch: ${group}`);
      return 1;
    }
    request.data.repositories = group.repositories;
  }
  const answer = await client.followUp(jobId, request.data);
  if (values.json) printJson(answer);
  else {
    printResults(answer.results);
    const queued = answer.results.filter((result) => result.outcome === 'queued').length;
    say(
      queued
        ? `${queued} follow-up ${queued === 1 ? 'round' : 'rounds'} started; \`cody-batch watch ` +
            `${jobId}\` follows ` +
            `them${request.data.push === 'review' ? ', then review and publish their diffs' : ''}.`
        : 'No round started.',
    );
  }
  return answer.results.every((result) => result.outcome === 'queued') ? 0 : EXIT_PARTIAL;
}

function yesNo(value: string): boolean | string {
  if (value === 'yes' || value === 'true') return true;
  if (value === 'no' || value === 'false') return false;
  return value;
}
