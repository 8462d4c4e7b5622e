import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { z } from 'zod';
import { parseRepositoryList } from '../common/jobDraft';
import type { CodyBatchClient } from '../common/client';
import { runsCommands, sandboxNotice } from '../common/sandbox';
import { CreateJobRequest } from '../common/schemas';
import { connect, type Connection, usageError } from './connect';
import { listFlag, QUERY_FLAGS, QUERY_OPTIONS, QUERY_USAGE, queryFromFlags } from './queryFlags';
import { watchJob } from './watch';
import { printJson, say, sayError } from './terminal';

// `cody-batch run`: a job from flags, as `src batch` and multi-gitter users write one, checked with
// the API's own schema before anything is sent, then watched to its end (unless --detach).

const RUN_USAGE = `Usage: cody-batch run --name <text> (--prompt <text> | --prompt-file <path> | --command <shell>)
                      (--repos owner/a,owner/b | --repos-file <path> | query flags) [options]
Repositories are the ones listed plus those the query flags choose (each once); \`cody-batch repos\`
shows what a query chooses.
${QUERY_USAGE}
Options:
  --description <text>   what the job is for
  --verify <cmd>         a command that must pass after the change
  --base-branch <name>   the branch to start from (default: each repository's default branch)
  --model <id>           the Claude model (prompt jobs)
  --max-cost <usd>       stop a repository's Claude run once it has cost this much
  --allow-commands       let Claude run commands in its sandbox (the bash tool; prompt jobs)
  --setup <cmd>          a command run after the clone, before the change (e.g. npm ci)
  --allow-host <host>    a host the job's sandboxed commands may reach besides the package registries and
                         the code host (repeatable, or a,b): registry.example.com, *.example.com, 10.0.0.5:8080
  --instructions-file <path>  a JSON object {"owner/name": "note"}: a note for that repository's first message
  --pr | --draft         open a pull request (a draft one) per changed repository
  --sample <n>           run n of the repositories first (spread across owners), then stop SAMPLED;
                         \`cody-batch continue <jobId>\` runs the rest
  --pr-title <template>  the pull request's title (with --pr, of the pull requests the job opens; without,
                         of those \`cody-batch publish\` opens after review); --pr-body-file <path>: its body (templates with
                         {{job.name}} {{job.description}} {{repository}} {{summary}} {{diffstat}} {{verification}})
  --branch <template>    the branch to push (default cody-batch/<job id>; {{repository}} and {{job.name}} allowed)
  --label <name>         label each pull request (repeatable, or a,b)
  --reviewer <login>     request a review (repeatable, or a,b); --team-reviewer <team>: from a team
  --detach               print the job id and return at once instead of watching
  --json                 watch as JSON, one object per line and event (with --detach: the job)`;

const HINT = 'See: cody-batch run --help';

/** Each request field's flag, for messages in the user's words. */
const FLAGS: Record<string, string> = {
  name: '--name',
  description: '--description',
  prompt: '--prompt',
  command: '--command',
  verifyCommand: '--verify',
  repositories: '--repos',
  baseBranch: '--base-branch',
  model: '--model',
  maxCostUsd: '--max-cost',
  sample: '--sample',
  repositoryQuery: '--owner/--topic/--search/--code-search',
  pullRequest: '--pr-title/--pr-body-file/--branch/--label/--reviewer',
  allowCommands: '--allow-commands',
  setupCommand: '--setup',
  repositoryInstructions: '--instructions-file',
  sandbox: '--allow-host',
};

/** The flags of `pullRequest`'s fields. */
const PULL_REQUEST_FLAGS: Record<string, string> = {
  title: '--pr-title',
  body: '--pr-body-file',
  branch: '--branch',
  labels: '--label',
  reviewers: '--reviewer',
  teamReviewers: '--team-reviewer',
};

export async function run(args: string[], connection: Connection): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        name: { type: 'string' },
        description: { type: 'string' },
        prompt: { type: 'string' },
        'prompt-file': { type: 'string' },
        command: { type: 'string' },
        verify: { type: 'string' },
        repos: { type: 'string', multiple: true },
        'repos-file': { type: 'string', multiple: true },
        'base-branch': { type: 'string' },
        model: { type: 'string' },
        'max-cost': { type: 'string' },
        'allow-commands': { type: 'boolean' },
        setup: { type: 'string' },
        'allow-host': { type: 'string', multiple: true },
        'instructions-file': { type: 'string' },
        pr: { type: 'boolean' },
        draft: { type: 'boolean' },
        sample: { type: 'string' },
        ...QUERY_OPTIONS,
        'pr-title': { type: 'string' },
        'pr-body-file': { type: 'string' },
        branch: { type: 'string' },
        label: { type: 'string', multiple: true },
        reviewer: { type: 'string', multiple: true },
        'team-reviewer': { type: 'string', multiple: true },
        detach: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    return usageError(error, HINT);
  }

  if (values.help) {
    say(RUN_USAGE);
    return 0;
  }
  if (values.prompt !== undefined && values['prompt-file'] !== undefined)
    return usageError(new Error('give --prompt or --prompt-file, not both'), HINT);
  const body: Record<string, unknown> = {
    name: values.name,
    description: values.description,
    command: values.command,
    verifyCommand: values.verify,
    baseBranch: values['base-branch'],
    model: values.model,
    createPullRequests: Boolean(values.pr || values.draft),
    draftPullRequests: Boolean(values.draft),
    allowCommands: Boolean(values['allow-commands']),
    setupCommand: values.setup,
  };
  const allowHosts = listFlag(values['allow-host']);
  if (allowHosts) body.sandbox = { allowHosts };
  try {
    body.prompt = values['prompt-file'] !== undefined ? await readFile(values['prompt-file'], 'utf8') : values.prompt;
    const fromFiles = await Promise.all((values['repos-file'] ?? []).map((file) => readFile(file, 'utf8')));
    const listed = [...(values.repos ?? []), ...fromFiles].flatMap(parseRepositoryList);
    const query = queryFromFlags(values);
    // Neither a list nor a query: the schema says what is missing.
    if (listed.length) body.repositories = listed;
    if (query) body.repositoryQuery = query;
    const pullRequest: Record<string, unknown> = {
      title: values['pr-title'],
      body: values['pr-body-file'] !== undefined ? await readFile(values['pr-body-file'], 'utf8') : undefined,
      branch: values.branch,
      labels: listFlag(values.label),
      reviewers: listFlag(values.reviewer),
      teamReviewers: listFlag(values['team-reviewer']),
    };
    // Without --pr they shape what `publish` opens after review.
    const shaped = Object.entries(pullRequest).filter(([, value]) => value !== undefined);
    if (shaped.length) body.pullRequest = Object.fromEntries(shaped);
  } catch (error) {
    return usageError(
      new Error(
        `cannot read ${(error as NodeJS.ErrnoException).path ?? 'a file'}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      ),
      HINT,
    );
  }
  if (values['instructions-file'] !== undefined) {
    const notes = await readNotes(values['instructions-file']);
    if (typeof notes === 'string') return usageError(new Error(`--instructions-file: ${notes}`), HINT);
    body.repositoryInstructions = notes;
  }
  if (values['max-cost'] !== undefined) {
    body.maxCostUsd = Number(values['max-cost']);
    if (!values['max-cost'].trim() || !Number.isFinite(body.maxCostUsd))
      return usageError(new Error('--max-cost: must be a number of US dollars, such as 5 or 12.50'), HINT);
  }

  if (values.sample !== undefined) body.sample = { size: values.sample.trim() ? Number(values.sample) : Number.NaN };

  const parsed = CreateJobRequest.safeParse(body);
  if (!parsed.success) return usageError(new Error(describeForFlags(parsed.error)), HINT);

  const client = await connect(connection);
  const job = await client.createJob(parsed.data);
  if (values.detach) {
    if (values.json) printJson(job);
    else say(job.jobId);
    return 0;
  }
  const sample = job.sample ? `, a sample of ${job.sample.size} first` : '';
  if (!values.json) {
    say(
      `Job ${job.jobId}: ${job.name}, ${job.counts.total} ` +
        `${job.counts.total === 1 ? 'repository' : 'repositories'}${sample}. Ctrl-C stops ` +
        `watching, not the job.`,
    );
    // What holds around its commands; what the sandbox refuses is in each repository's log (`cody-batch log`).
    if (runsCommands(job)) await printSandboxState(client, job.sandbox?.allowHosts ?? []);
    say();
  }
  return watchJob(client, job.jobId, { json: values.json });
}

async function printSandboxState(client: CodyBatchClient, allowHosts: string[]): Promise<void> {
  const status = await client.sandbox().catch(() => undefined);
  if (!status) return;
  const notice = sandboxNotice(status);
  if (notice.warning) sayError(notice.text);
  else {
    const andHosts = allowHosts.length ? ` and ${allowHosts.join(', ')}` : '';
    const on = `on; commands may reach the package registries, the code host${andHosts}`;
    say(`Sandbox: ${status.state === 'on' ? on : status.message}`);
  }
}

/** The schema's messages, with each field named by its flag: `--repos: "x" is not a repository …`. */
function describeForFlags(error: z.ZodError): string {
  const messages = error.issues.slice(0, 10).map((issue) => {
    const field = String(issue.path[0] ?? '');
    const inner = String(issue.path[1] ?? '');
    if (field === 'prompt' && issue.code === 'custom')
      return 'give exactly one of --prompt / --prompt-file (Claude makes the change) or --command (a shell command makes it)';
    if (field === 'repositories' && issue.code === 'custom' && issue.path.length === 1)
      return 'give the repositories: --repos, --repos-file, or query flags such as --owner';
    const message = issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message;
    const flag =
      (field === 'repositoryQuery' && QUERY_FLAGS[inner]) ||
      (field === 'pullRequest' && PULL_REQUEST_FLAGS[inner]) ||
      FLAGS[field];
    return flag ? `${flag}: ${message}` : message;
  });
  return [...new Set(messages)].join('; ');
}

/** The notes file: a JSON object of strings; a sentence saying what is wrong otherwise. */
async function readNotes(file: string): Promise<Record<string, unknown> | string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return `${file} is not JSON (${(error as Error).message})`;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return `${file} must hold a JSON object such as {"owner/name": "Run npm run build before the tests."}`;
  }
  return parsed as Record<string, unknown>;
}
