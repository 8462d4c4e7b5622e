import { version } from '../package.json';
import type { ClientCommand } from './connect';
import { CONNECTION_HELP } from './connectionHelp';
import { say, sayError } from './terminal';

const USAGE = `Usage: cody-batch <command> [connection options]

Commands:
  serve    Run the local stack (DynamoDB, artifacts, workers, API) on 127.0.0.1
  demo     Run a sample job over three sample repositories, offline, and print a summary
           (--keep: leave the stack serving afterwards, for the extension)
  run      Create a job from flags and watch it (\`cody-batch run --help\`):
           \`run --name <text> (--prompt <text> | --prompt-file <path> | --command <shell>) --repos owner/a,owner/b\`
           [--repos-file <path>] [--verify <cmd>] [--base-branch <b>] [--model <id>] [--max-cost <usd>] [--pr | --draft]
           [--sample <n>] [--detach]
  watch    \`watch <jobId> [--json]\`: progress until the job ends (or stops SAMPLED); exit 0 only when every
           repository succeeded and passed its verification
  continue \`continue <jobId> [--prompt-file <path> | --prompt <text>] [--command <shell>] [--verify <cmd>] [--detach]\`:
           run the rest of a SAMPLED job; a revised task runs the sample again with it first
  cancel   \`cancel <jobId>\`: stop a job
  retry    \`retry <jobId> [owner/name ...]\`: run the failed and cancelled repositories (or those named) again
  jobs     List your newest jobs (\`--all\`: every one); \`jobs <jobId>\` lists its repositories
  diff     \`diff <jobId> <owner/name> [--raw]\`: print a repository's patch (pipe it to \`git apply\`: byte for
           byte; on a terminal its control characters show escaped, unless --raw); its digest on stderr
  apply    \`apply <jobId> <owner/name> [--dir <checkout>] [--stash] [--allow-outside-links]\`: apply a repository's
           patch to its local clone (git apply --3way; refuses uncommitted work unless --stash: stash, apply,
           restore; refuses links out of the repository unless --allow-outside-links)
  thread   \`thread <jobId> <owner/name>\`: print Claude's conversation for a repository
  log      \`log <jobId> <owner/name> [--attempt <n>]\`: print a repository's run log: its steps, the commands'
           output, the command sandbox's state and what it refused
  status   \`status <jobId> [--refresh]\`: one line per repository: run status, review, pull request and checks
  review   \`review <jobId> <owner/name> (--approve --digest <sha256> | --reject | --unreview) [--note <text>] [--attempt <n>]\`
           (--digest: what \`diff\` printed for the patch you read)
           \`review <jobId> --group <fingerprint> (approve | reject | unreview) [--opened a/b,…]\`: every repository
           of one change; approving one whose members have the same lines in other surroundings names those
           read (one of each) with --opened
  changes  \`changes <jobId> [--group <fingerprint>]\`: the job's distinct changes (groups of repositories whose
           diffs make the same change), largest first, and the repositories that stand out, each with why;
           --group: one change, and where its members have the same lines in other surroundings, those hunks
  drop     \`drop <jobId> <owner/name> <path>[:<hunk>,…] …\`: leave hunks (from 0) or whole files out of a
           repository's patch, as a new revision (what a publish pushes; revision 0 stays readable)
  publish  \`publish <jobId> [owner/name ...] [--approved] [--draft | --ready] [--auto-merge <method>] [--wait]\`: open
           pull requests for completed repositories that have none: exactly the reviewed diff on its recorded base
           commit (a follow-up's reviewed diff goes onto its pull request as a fast-forward of its head)
  follow-up \`follow-up <jobId> (--checks | --review | --conflicts | --instruction-file <f> | --from-comment <url>)\`
           [owner/name ... | --repos a,b | --group <fingerprint>] [--state s] [--checks-state c] [--review-state r]
           [--mergeable yes|no] [--auto-push] [--max-rounds <n>]: a round on open pull requests, from their head:
           fix failing checks, answer review, merge the base in, or follow one instruction; each skipped one says why
  refresh  \`refresh <jobId>\`: ask the code host about the job's pull requests now
  merge    \`merge <jobId> [owner/name ...] [--state s] [--checks c] [--review r] [--method merge|squash|rebase]
           [--delete-branch]\`: merge pull requests; never forces (drafts, conflicts, failing or pending checks
           and requested changes are skipped, each with why)
  auto-merge \`auto-merge <jobId> [owner/name ...] [filters] [--method merge|squash|rebase]\`: turn on the host's
           auto-merge; one with nothing left to wait for is merged now, under merge's rules
  close    \`close <jobId> [owner/name ...] [filters] [--delete-branch]\`: close pull requests
  comment  \`comment <jobId> [owner/name ...] [filters] (--body <text> | --body-file <path>)\`: comment on them
  delete   \`delete <jobId> --yes [--close-pull-requests]\`: delete a finished job, its results and artifacts
  help     Show this help

Every command that prints data takes --json (the API's shapes; \`watch --json\`: one object per line and event).
Exit codes: 0 done (\`watch\`: every repository succeeded); 1 the call failed, or (\`watch\`) some repository
  failed, was cancelled or failed verification; 2 bad arguments, nothing sent; 3 some repositories were not
  done (publish, merge, auto-merge, close, comment, follow-up: skipped or failed, each with why); 130 interrupted
  (Ctrl-C)

${CONNECTION_HELP}

Environment: CODY_BATCH_HOME (default ~/.cody-batch), CODY_BATCH_PORT (7878), CODY_BATCH_DYNAMODB_PORT (7879),
  CODY_BATCH_CONCURRENCY (workers; default the CPUs), CODY_BATCH_GIT_BASE, CODY_BATCH_CODE_HOST (github | gitlab |
  folder), GITHUB_TOKEN or GITHUB_APP_ID with GITHUB_APP_PRIVATE_KEY, GITLAB_URL, GITLAB_TOKEN, ANTHROPIC_API_KEY,
  CODY_BATCH_SANDBOX (auto | require | off: the command sandbox; auto uses it where bubblewrap is installed),
  CODY_BATCH_API_URL, CODY_BATCH_AUTH, CODY_BATCH_TOKEN, AWS_PROFILE, AWS_REGION`;

// Each command's module is loaded when that command runs, so that a command reads and runs only its
// own code: a client command never loads the local stack (DynamoDB, the API, the AWS SDK's clients),
// whose modules are most of the bundle (dist/cli.js is split into chunks by esbuild.mjs).
const SERVER_COMMANDS = new Map<string, (rest: string[]) => Promise<number>>([
  ['serve', async () => (await import('./serve')).serve(version)],
  ['demo', async (rest) => (await import('./demo')).demo(version, rest)],
]);

const CLIENT_COMMANDS = new Map<string, () => Promise<ClientCommand>>([
  ['jobs', async () => (await import('./jobs')).jobs],
  ['diff', async () => (await import('./diff')).diff],
  ['log', async () => (await import('./log')).log],
  ['thread', async () => (await import('./thread')).thread],
  ['run', async () => (await import('./run')).run],
  ['watch', async () => (await import('./watch')).watch],
  ['repos', async () => (await import('./repos')).repos],
  ['cancel', async () => (await import('./cancel')).cancel],
  ['retry', async () => (await import('./retry')).retry],
  ['continue', async () => (await import('./continue')).continueJob],
  ['apply', async () => (await import('./apply')).apply],
  ['status', async () => (await import('./pullRequests')).status],
  ['review', async () => (await import('./pullRequests')).review],
  ['publish', async () => (await import('./pullRequests')).publish],
  ['changes', async () => (await import('./changes')).changes],
  ['drop', async () => (await import('./changes')).drop],
  ['refresh', async () => (await import('./pullRequests')).refresh],
  ['merge', async () => (await import('./pullRequests')).bulk('merge')],
  ['auto-merge', async () => (await import('./pullRequests')).bulk('auto-merge')],
  ['close', async () => (await import('./pullRequests')).bulk('close')],
  ['comment', async () => (await import('./pullRequests')).bulk('comment')],
  ['follow-up', async () => (await import('./followUp')).followUp],
  ['delete', async () => (await import('./pullRequests')).deleteJob],
]);

/** A command's own lines of USAGE: its entry and the indented lines that continue it. */
function commandUsage(command: string): string | undefined {
  const lines = USAGE.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`  ${command} `));
  if (start < 0) return undefined;
  let end = start + 1;
  while (end < lines.length && /^ {4,}\S/.test(lines[end]!)) end++;
  const own = lines.slice(start, end).join('\n');
  return command === 'serve' || command === 'demo' ? own : `${own}\n\n${CONNECTION_HELP}`;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  // `--help` after a command is help, never a job id or a reason to start a server (`run` has its own).
  const beforeDashes = rest.indexOf('--') < 0 ? rest : rest.slice(0, rest.indexOf('--'));
  const usage =
    command && command !== 'run' && (beforeDashes.includes('--help') || beforeDashes.includes('-h'))
      ? commandUsage(command)
      : undefined;
  if (usage) {
    say(usage);
    return 0;
  }
  const serverCommand = command === undefined ? undefined : SERVER_COMMANDS.get(command);
  if (serverCommand) return serverCommand(rest);
  const clientCommand = command === undefined ? undefined : CLIENT_COMMANDS.get(command);
  if (clientCommand) {
    const [{ withConnection }, run] = await Promise.all([import('./connect'), clientCommand()]);
    return withConnection(run, rest);
  }
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      say(USAGE);
      return 0;
    case '--version':
      say(version);
      return 0;
    default:
      sayError(`Unknown command "${command}"${rest.length ? '' : ''}.\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    sayError(`cody-batch: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
