import { version } from '../package.json';
import { apply } from './apply';
import { cancel } from './cancel';
import { changes, drop } from './changes';
import { CONNECTION_HELP, withConnection } from './connect';
import { continueJob } from './continue';
import { demo } from './demo';
import { diff } from './diff';
import { followUp } from './followUp';
import { jobs } from './jobs';
import { log } from './log';
import { bulk, deleteJob, publish, refresh, review, status } from './pullRequests';
import { repos } from './repos';
import { retry } from './retry';
import { run } from './run';
import { thread } from './thread';
import { serve } from './serve';
import { watch } from './watch';
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
  switch (command) {
    case 'serve':
      return serve(version);
    case 'demo':
      return demo(version, rest);
    case 'jobs':
      return withConnection(jobs, rest);
    case 'diff':
      return withConnection(diff, rest);
    case 'log':
      return withConnection(log, rest);
    case 'thread':
      return withConnection(thread, rest);
    case 'run':
      return withConnection(run, rest);
    case 'watch':
      return withConnection(watch, rest);
    case 'repos':
      return withConnection(repos, rest);
    case 'cancel':
      return withConnection(cancel, rest);
    case 'retry':
      return withConnection(retry, rest);
    case 'continue':
      return withConnection(continueJob, rest);
    case 'apply':
      return withConnection(apply, rest);
    case 'status':
      return withConnection(status, rest);
    case 'review':
      return withConnection(review, rest);
    case 'publish':
      return withConnection(publish, rest);
    case 'changes':
      return withConnection(changes, rest);
    case 'drop':
      return withConnection(drop, rest);
    case 'refresh':
      return withConnection(refresh, rest);
    case 'merge':
    case 'auto-merge':
    case 'close':
    case 'comment':
      return withConnection(bulk(command), rest);
    case 'follow-up':
      return withConnection(followUp, rest);
    case 'delete':
      return withConnection(deleteJob, rest);
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
