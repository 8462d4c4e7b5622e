import { version } from '../package.json';
import { demo } from './demo';
import { diff } from './diff';
import { jobs } from './jobs';
import { thread } from './thread';
import { serve } from './serve';

const USAGE = `Usage: cody-batch <command>

Commands:
  serve    Run the local stack (DynamoDB, artifacts, workers, API) on 127.0.0.1
  demo     Run a sample job over three sample repositories, offline, and print a summary
           (--keep: leave the stack serving afterwards, for the extension)
  jobs     List your newest jobs on the running local stack (\`--all\`: every one); \`jobs <jobId>\` lists its repositories
  diff     \`diff <jobId> <owner/name>\`: print a repository's patch (pipe it to \`git apply\`)
  thread   \`thread <jobId> <owner/name>\`: print Claude's conversation for a repository
  help     Show this help

Environment: CODY_BATCH_HOME (default ~/.cody-batch), CODY_BATCH_PORT (7878), CODY_BATCH_DYNAMODB_PORT (7879),
  CODY_BATCH_CONCURRENCY (workers; default the CPUs), CODY_BATCH_GIT_BASE, GITHUB_TOKEN, ANTHROPIC_API_KEY`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return serve(version);
    case 'demo':
      return demo(version, rest);
    case 'jobs':
      return jobs(rest);
    case 'diff':
      return diff(rest);
    case 'thread':
      return thread(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    case '--version':
      console.log(version);
      return 0;
    default:
      console.error(`Unknown command "${command}"${rest.length ? '' : ''}.\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`cody-batch: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
