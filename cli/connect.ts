import { readFile } from 'node:fs/promises';
import { version } from '../package.json';
import { awsRefusal } from '../common/awsRefusal';
import { ApiError, bearerAuth, CodyBatchClient } from '../common/client';
import { ENV } from '../common/names';
import { Redactor } from '../common/redact';
import { regionFromApiUrl, sigv4Auth } from '../common/sigv4';
import { homePaths, resolveHome, runningStack } from '../backend/local/home';
import { forTerminal, say, sayError } from './terminal';

// Which API a client command talks to: the local stack on $CODY_BATCH_HOME (the default), or a
// remote one named by --api-url / CODY_BATCH_API_URL, signed with SigV4 from the AWS credential
// chain (API Gateway's IAM auth) or with a bearer token from CODY_BATCH_TOKEN (a remote local-style
// stack). Tokens are read from the environment only: a secret in argv shows in `ps` and shell history.

export type Connection =
  | { kind: 'local' }
  | { kind: 'token'; apiUrl: string; token: string }
  | { kind: 'aws'; apiUrl: string; region: string; profile?: string };

const CONNECTION_OPTIONS = ['api-url', 'auth', 'profile', 'region'] as const;
type ConnectionFlags = Partial<Record<(typeof CONNECTION_OPTIONS)[number], string>>;

const CONNECTION_HINT = 'See: cody-batch help';

/** A client command: its own arguments, and where to send its requests. */
export type ClientCommand = (args: string[], connection: Connection) => Promise<number>;

/**
 * Runs a client command with the connection its arguments and the environment choose. Bad
 * connection options exit 2 before anything is sent; a failure to connect or call is one plain
 * sentence with a next step (exit 1), secrets hidden.
 */
export async function withConnection(
  command: ClientCommand,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  let connection: Connection;
  let rest: string[];
  try {
    let flags: ConnectionFlags;
    ({ flags, rest } = takeConnectionOptions(args));
    connection = chooseConnection(flags, env);
  } catch (error) {
    return usageError(error, CONNECTION_HINT);
  }
  const warning = plainHttpWarning(connection);
  if (warning) sayError(`cody-batch: ${warning}`);
  try {
    return await command(rest, connection);
  } catch (error) {
    const redactor = Redactor.fromEnvironment(env, [connection.kind === 'token' ? connection.token : undefined]);
    sayError(`cody-batch: ${redactor.text(explainFailure(error, connection, env))}`);
    return 1;
  }
}

/** Takes --api-url, --auth, --profile and --region (also as `--name=value`) out of the arguments, up to a `--`. */
export function takeConnectionOptions(args: string[]): { flags: ConnectionFlags; rest: string[] } {
  const flags: ConnectionFlags = {};
  const rest: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === '--') {
      rest.push(...args.slice(index));
      break;
    }
    const [, name, inlineValue] = /^--([a-z-]+)(?:=(.*))?$/s.exec(arg) ?? [];
    const option = CONNECTION_OPTIONS.find((candidate) => candidate === name);
    if (!option) {
      rest.push(arg);
      continue;
    }
    const value = inlineValue ?? args[++index];
    if (value === undefined || value === '' || (inlineValue === undefined && value.startsWith('--')))
      throw new Error(`--${option} needs a value`);
    flags[option] = value;
  }
  return { flags, rest };
}

/** The connection the flags (first) and the environment choose. */
export function chooseConnection(flags: ConnectionFlags, env: NodeJS.ProcessEnv): Connection {
  const apiUrl = (flags['api-url'] ?? env[ENV.cliApiUrl])?.trim() || undefined;
  const auth = (flags.auth ?? env[ENV.cliAuth])?.trim() || undefined;
  if (auth !== undefined && auth !== 'aws' && auth !== 'token')
    throw new Error(`--auth (or CODY_BATCH_AUTH) must be aws or token, not "${auth}"`);
  if (!apiUrl) {
    if (auth || flags.profile || flags.region)
      throw new Error(
        `--${auth ? 'auth' : flags.profile ? 'profile' : 'region'} is for a remote API: give its ` +
          `URL with --api-url or CODY_BATCH_API_URL (the stack's ApiUrl output)`,
      );
    return { kind: 'local' };
  }
  if (!/^https?:\/\//i.test(apiUrl) || !URL.canParse(apiUrl))
    throw new Error(
      `--api-url (or CODY_BATCH_API_URL) must be an http(s) URL, not "${apiUrl.replace(/\/\/[^/@]*@/, '//…@')}"`,
    );
  const parsed = new URL(apiUrl);
  // Not echoed: whatever sits before the @ is a secret someone pasted.
  if (parsed.username || parsed.password)
    throw new Error('--api-url (or CODY_BATCH_API_URL) must not hold credentials; a token goes in CODY_BATCH_TOKEN');
  const urlRegion = regionFromApiUrl(apiUrl);
  const kind = auth ?? (urlRegion ? 'aws' : env[ENV.cliToken] ? 'token' : undefined);
  if (!kind)
    throw new Error(
      `say how to sign in to ${apiUrl}: --auth aws (SigV4 with your AWS credentials) or --auth token with CODY_BATCH_TOKEN set`,
    );
  if (kind === 'token') {
    const token = env[ENV.cliToken]?.trim();
    if (!token)
      throw new Error(
        `--auth token reads the API's token from CODY_BATCH_TOKEN, which is not set (the local stack writes its token to $CODY_BATCH_HOME/token)`,
      );
    return { kind, apiUrl, token };
  }
  const region = flags.region ?? urlRegion ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined);
  if (!region) throw new Error(`cannot tell the AWS region of ${apiUrl}: give --region or set AWS_REGION`);
  return { kind, apiUrl, region, profile: flags.profile };
}

/** A sentence when a token would cross the network unencrypted (plain HTTP to a host that is not this machine). */
export function plainHttpWarning(connection: Connection): string | undefined {
  if (connection.kind !== 'token') return undefined;
  const url = new URL(connection.apiUrl);
  if (url.protocol !== 'http:' || ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) return undefined;
  return `warning: the token goes to ${url.host} over plain HTTP, readable by anyone on the way; use https`;
}

/** A client for the chosen API; the local stack's comes with a sentence when none is running. */
export async function connect(connection: Connection, env: NodeJS.ProcessEnv = process.env): Promise<CodyBatchClient> {
  if (connection.kind === 'local') return connectToLocalStack(env);
  const auth =
    connection.kind === 'token'
      ? bearerAuth(connection.token)
      : sigv4Auth({ region: connection.region, profile: connection.profile });
  return new CodyBatchClient({ baseUrl: connection.apiUrl, auth, userAgent: `cody-batch-cli/${version}` });
}

/** What went wrong, in one sentence that says what to do next. */
export function explainFailure(error: unknown, connection: Connection, env: NodeJS.ProcessEnv): string {
  const message = error instanceof Error ? error.message : String(error);
  if (connection.kind === 'local') return message;
  if (error instanceof ApiError) {
    if (error.unreachable) return `${message}: check --api-url (or CODY_BATCH_API_URL) and your network.`;
    if (connection.kind === 'token' && error.status === 401)
      return `${connection.apiUrl} refused the token in CODY_BATCH_TOKEN (HTTP 401): set it to the API's current token.`;
    if (connection.kind === 'aws' && error.status === 403) return explainAwsRefusal(message, connection, env);
    return message;
  }
  if (connection.kind === 'aws' && error instanceof Error && error.name === 'CredentialsProviderError') {
    const profile = connection.profile ?? env.AWS_PROFILE;
    const tried = connection.profile
      ? `profile ${profile} (--profile)`
      : profile
        ? `profile ${profile} (AWS_PROFILE)`
        : 'the default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, the default profile of ' +
          '~/.aws/config and ~/.aws/credentials, SSO, container and instance roles)';
    return (
      `No AWS credentials found; tried ${tried}. Run \`aws sso ` +
      `login${profile ? ` --profile ${profile}` : ''}\`, or set AWS_PROFILE (or --profile) to ` +
      `a profile that has credentials. (AWS SDK: ${message})`
    );
  }
  return message;
}

/** API Gateway's 403s, told apart by the message it sends with each. */
function explainAwsRefusal(
  message: string,
  connection: Extract<Connection, { kind: 'aws' }>,
  env: NodeJS.ProcessEnv,
): string {
  const profile = connection.profile ?? env.AWS_PROFILE;
  const who = profile ? `profile ${profile}` : 'your default AWS credentials';
  const login = `\`aws sso login${profile ? ` --profile ${profile}` : ''}\``;
  switch (awsRefusal(message)) {
    case 'signature':
      return (
        `AWS refused the request signature (HTTP 403): the secret access key of ${who} does not ` +
        `match its key id, or this machine's clock is off. Refresh the credentials (${login}, or ` +
        `check AWS_SECRET_ACCESS_KEY) and try again.`
      );
    case 'expired':
      return `AWS refused the credentials of ${who} (HTTP 403: unknown or expired): run ${login} or renew the keys, then try again.`;
    case 'region':
      return `AWS refused the request (HTTP 403): it was signed for region ${connection.region}, which is not the API's; give the right --region.`;
    case 'not-allowed':
      return (
        `AWS refused the request (HTTP 403): ${who} lacks execute-api:Invoke on ` +
        `${connection.apiUrl}. Ask an administrator to grant it (docs/operations.md, "Give ` +
        `people access").`
      );
  }
}

/** A client for the local stack running on $CODY_BATCH_HOME, or a sentence saying there is none. */
export async function connectToLocalStack(env: NodeJS.ProcessEnv): Promise<CodyBatchClient> {
  const paths = homePaths(resolveHome(env));
  const stack = await runningStack(paths.stack);
  if (!stack)
    throw new Error(
      `No Cody Batch stack is running for ${paths.home}. Start one with "cody-batch serve" (or set ${ENV.home}).`,
    );
  const token = (await readFile(paths.token, 'utf8')).trim();
  return new CodyBatchClient({ baseUrl: stack.apiUrl, auth: bearerAuth(token) });
}

/** Prints rows as aligned columns, the first row being the header; cells are made safe for the terminal. */
export function printTable(table: string[][], indent = ''): void {
  const rows = table.map((cells) => cells.map(forTerminal));
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((cells) => (cells[column] ?? '').length)));
  for (const cells of rows)
    say(
      indent +
        cells
          .map((cell, column) => cell.padEnd(widths[column]!))
          .join('  ')
          .trimEnd(),
    );
}

/** Bad arguments: the reason and the command's usage on stderr, exit code 2 (nothing was sent). */
export function usageError(error: unknown, usage: string): number {
  sayError(`cody-batch: ${error instanceof Error ? error.message : String(error)}\n${usage}`);
  return 2;
}
