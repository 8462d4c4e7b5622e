import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { WEB_CONFIG_FILE, WebConfig } from '../common/webConfig';
import { DEPLOY_ENVIRONMENTS, type DeployEnvironment, stackName } from './config';
import { WEB_BUNDLE } from './paths';

// `npm run deploy:web -- --env dev`: the web app's deploy step, after `npm run deploy` made the
// stack. It reads the stack's outputs, writes config.json from them (the web API, the sign-in, the
// user pool client), uploads the build (dist/web, without source maps) to the frontend bucket,
// removing what the build no longer has, and invalidates the distribution. It runs the AWS CLI v2
// with the caller's credentials (AWS_PROFILE, AWS_REGION), as the rest of docs/operations.md does.
// A script rather than CDK's BucketDeployment: that one is a Lambda with a managed policy and
// wildcard actions in the stack, which the stack's least-privilege rules (infra/iam.test.ts) refuse.

const run = promisify(execFile);

/** The outputs the web app's deploy reads (infra/stack.ts writes them). */
export const WEB_OUTPUTS = [
  'FrontendBucketName',
  'DistributionId',
  'WebApiUrl',
  'SignInUrl',
  'UserPoolClientId',
  'WebAppUrl',
] as const;
export type WebOutputs = Record<(typeof WEB_OUTPUTS)[number], string>;

/** The outputs as `aws cloudformation describe-stacks --query Stacks[0].Outputs` lists them, checked. */
export function webOutputsFrom(list: unknown, stack: string): WebOutputs {
  const entries = Array.isArray(list) ? (list as { OutputKey?: unknown; OutputValue?: unknown }[]) : [];
  const byKey = new Map(entries.map((entry) => [entry.OutputKey, entry.OutputValue]));
  const missing = WEB_OUTPUTS.filter((key) => typeof byKey.get(key) !== 'string');
  if (missing.length)
    throw new Error(`${stack} has no output ${missing.join(', ')}: deploy the stack first (npm run deploy)`);
  return Object.fromEntries(WEB_OUTPUTS.map((key) => [key, byKey.get(key) as string])) as WebOutputs;
}

/** config.json for the deployed app: checked with the schema the page reads it with. */
export function webConfigFrom(outputs: WebOutputs): WebConfig {
  return WebConfig.parse({
    auth: 'cognito',
    apiUrl: outputs.WebApiUrl,
    signInUrl: outputs.SignInUrl,
    clientId: outputs.UserPoolClientId,
  });
}

/** The AWS CLI commands of one deploy, in order, from a folder holding the build and config.json. */
export function deployCommands(outputs: WebOutputs, folder: string): string[][] {
  const bucket = `s3://${outputs.FrontendBucketName}`;
  // index.html, app.js (which names the page chunks) and config.json are read first on every visit:
  // never cached, so a deploy shows at once and no cached app.js asks for a chunk the sync pruned.
  // The chunks are named by their content's hash.
  const fresh = ['index.html', 'app.js', WEB_CONFIG_FILE];
  return [
    [
      's3',
      'sync',
      folder,
      bucket,
      '--delete',
      ...fresh.flatMap((name) => ['--exclude', name]),
      '--cache-control',
      'public, max-age=300',
    ],
    ...fresh.map((name) => ['s3', 'cp', path.join(folder, name), `${bucket}/${name}`, '--cache-control', 'no-cache']),
    ['cloudfront', 'create-invalidation', '--distribution-id', outputs.DistributionId, '--paths', '/*'],
  ];
}

/** `--env dev`, or `-c env=dev` as the other deploy scripts take it. */
export function environmentFrom(argv: string[]): DeployEnvironment {
  const at = argv.indexOf('--env');
  const context = argv.find((arg, i) => argv[i - 1] === '-c' && arg.startsWith('env='));
  const env = at >= 0 ? argv[at + 1] : context?.slice('env='.length);
  if (!DEPLOY_ENVIRONMENTS.includes(env as DeployEnvironment))
    throw new Error(`usage: npm run deploy:web -- --env ${DEPLOY_ENVIRONMENTS.join('|')}`);
  return env as DeployEnvironment;
}

async function aws(args: string[]): Promise<string> {
  const { stdout } = await run('aws', args, { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

async function main(argv: string[]): Promise<void> {
  const env = environmentFrom(argv);
  const stack = stackName(env);
  const files = await readdir(WEB_BUNDLE).catch(() => [] as string[]);
  if (!files.includes('index.html')) throw new Error(`${WEB_BUNDLE} has no build: run npm run build first`);
  console.log(`Reading the outputs of ${stack}…`);
  const outputs = webOutputsFrom(
    JSON.parse(
      await aws([
        'cloudformation',
        'describe-stacks',
        '--stack-name',
        stack,
        '--query',
        'Stacks[0].Outputs',
        '--output',
        'json',
      ]),
    ),
    stack,
  );
  const folder = await mkdtemp(path.join(tmpdir(), 'cody-batch-web-'));
  try {
    await cp(WEB_BUNDLE, folder, { recursive: true, filter: (source) => !source.endsWith('.map') });
    await writeFile(path.join(folder, WEB_CONFIG_FILE), `${JSON.stringify(webConfigFrom(outputs), null, 2)}\n`);
    for (const command of deployCommands(outputs, folder)) {
      console.log(`aws ${command.slice(0, 2).join(' ')} → ${command[3] ?? command.at(-3)}`);
      await aws(command);
    }
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
  console.log(`Deployed. The web app: ${outputs.WebAppUrl} (the invalidation takes a minute or two).`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`deploy:web: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
