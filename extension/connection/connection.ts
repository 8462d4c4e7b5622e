import * as vscode from 'vscode';
import * as z from 'zod';
import { ApiError, bearerAuth, CodyBatchClient, type RequestAuth } from '../../common/client';
import type { Log } from '../log/output';
import { awsRefusalMessage, NotConnected, type ConnectionDescription } from '../userMessages';
import { isStackProcessAlive, localHome, readLocalStackFiles } from './localStack';
import { regionFromApiUrl, sigv4Auth } from '../../common/sigv4';

// Who we talk to and how: the bearer token (kept in SecretStorage) for the local stack, or SigV4
// with the user's AWS credentials. The choice survives restarts in globalState; the token only in
// SecretStorage.

const STATE_KEY = 'codyBatch.connection';
const TOKEN_KEY = 'codyBatch.token';
export const CONNECTED_CONTEXT = 'codyBatch.connected';

const ConnectionState = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('token'), apiUrl: z.string().min(1), local: z.boolean(), home: z.string().optional() }),
  z.object({
    kind: z.literal('aws'),
    apiUrl: z.string().min(1),
    region: z.string().min(1),
    profile: z.string().optional(),
  }),
]);
type ConnectionState = z.infer<typeof ConnectionState>;

export class Connection implements vscode.Disposable {
  private state: ConnectionState | undefined;
  private currentClient: CodyBatchClient | undefined;
  private token: string | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: Log,
  ) {}

  get connected(): boolean {
    return this.currentClient !== undefined;
  }

  /** The client, or NotConnected (which the error reporter turns into "connect first"). */
  get client(): CodyBatchClient {
    if (!this.currentClient) throw new NotConnected();
    return this.currentClient;
  }

  describe(): ConnectionDescription {
    return {
      kind: this.state?.kind,
      apiUrl: this.state?.apiUrl,
      local: this.state?.kind === 'token' && this.state.local,
    };
  }

  /** Who is connected, as far as this window knows: the API and how it is signed in to (the AWS profile). */
  get reviewer(): string | undefined {
    if (!this.state) return undefined;
    return JSON.stringify([
      this.state.kind,
      this.state.apiUrl,
      this.state.kind === 'aws' ? (this.state.profile ?? '') : '',
    ]);
  }

  get apiUrl(): string | undefined {
    return this.state?.apiUrl;
  }

  /** Reconnects as last time, without asking anything. */
  async restore(): Promise<void> {
    const saved = ConnectionState.safeParse(this.context.globalState.get(STATE_KEY));
    if (!saved.success) return this.setConnected(undefined, undefined);
    if (saved.data.kind === 'token') {
      const token = await this.context.secrets.get(TOKEN_KEY);
      if (!token) return this.setConnected(undefined, undefined);
      this.token = token;
      this.log.redactor.add(token);
      return this.setConnected(saved.data, bearerAuth(token));
    }
    return this.setConnected(saved.data, this.awsAuth(saved.data));
  }

  /** "Connect to Local Stack": stack.json and token from the local home; asks for the token if absent. */
  async connectLocal(): Promise<boolean> {
    const settings = vscode.workspace.getConfiguration('codyBatch');
    const home = localHome(settings.get<string>('localHome'));
    const files = await readLocalStackFiles(home);
    const configuredUrl = settings.get<string>('apiUrl')?.trim();
    const apiUrl =
      files.stack?.apiUrl ?? (settings.get<string>('auth') === 'token' && configuredUrl ? configuredUrl : undefined);
    this.log.info(
      `Connect to local stack: home ${home}; ${files.stack ? `stack.json names ${files.stack.apiUrl} (pid ${files.stack.pid})` : files.stackProblem}`,
    );
    if (!apiUrl) {
      await this.explain(
        `Local stack not running: run \`npm start\` (${files.stackProblem}). Set codyBatch.localHome if it uses another folder.`,
      );
      return false;
    }
    if (files.stack && !isStackProcessAlive(files.stack))
      this.log.warn(`stack.json names pid ${files.stack.pid}, which is not running here; trying ${apiUrl} anyway`);
    let token = files.token;
    if (!token) {
      token = await vscode.window.showInputBox({
        title: 'Cody Batch: Connect to Local Stack',
        prompt: `The bearer token for ${apiUrl} (there is no token file in ${home})`,
        password: true,
        ignoreFocusOut: true,
        validateInput: (value) =>
          value.trim().length < 16 ? 'The token is the content of the `token` file the local stack writes' : undefined,
      });
      if (!token) return false;
      token = token.trim();
    }
    this.log.redactor.add(token);
    const state: ConnectionState = { kind: 'token', apiUrl, local: true, home };
    const client = this.makeClient(apiUrl, bearerAuth(token));
    const checked = await this.check(client, 'Connecting to the local stack', state);
    if (!checked) return false;
    await this.context.secrets.store(TOKEN_KEY, token);
    if (this.token && this.token !== token) this.log.redactor.forget(this.token);
    this.token = token;
    await this.save(state, client);
    vscode.window.setStatusBarMessage(`$(check) Cody Batch: connected to the local stack at ${apiUrl}`, 5000);
    return true;
  }

  /** "Connect to AWS": the API URL, region and profile from settings, asking for what is missing. */
  async connectAws(): Promise<boolean> {
    const settings = vscode.workspace.getConfiguration('codyBatch');
    let apiUrl = settings.get<string>('apiUrl')?.trim() || (this.state?.kind === 'aws' ? this.state.apiUrl : undefined);
    if (!apiUrl || (settings.get<string>('auth') !== 'aws' && !/^https:/.test(apiUrl))) {
      apiUrl = await vscode.window.showInputBox({
        title: 'Cody Batch: Connect to AWS',
        prompt: 'The Cody Batch API URL (the CDK stack prints it as ApiUrl)',
        placeHolder: 'https://abc123.execute-api.eu-west-1.amazonaws.com',
        value: apiUrl,
        ignoreFocusOut: true,
        validateInput: (value) => (isHttpUrl(value.trim()) ? undefined : 'Enter an http(s) URL'),
      });
      if (!apiUrl) return false;
      apiUrl = apiUrl.trim();
    }
    let region =
      settings.get<string>('awsRegion')?.trim() ||
      regionFromApiUrl(apiUrl) ||
      process.env.AWS_REGION ||
      process.env.AWS_DEFAULT_REGION;
    if (!region) {
      region = await vscode.window.showInputBox({
        title: 'Cody Batch: Connect to AWS',
        prompt: 'The AWS region of the API',
        placeHolder: 'eu-west-1',
        ignoreFocusOut: true,
      });
      if (!region) return false;
      region = region.trim();
    }
    const profile = settings.get<string>('awsProfile')?.trim() || undefined;
    const state: ConnectionState = { kind: 'aws', apiUrl, region, profile };
    const client = this.makeClient(apiUrl, this.awsAuth(state));
    if (
      !(await this.check(
        client,
        `Connecting to ${apiUrl} as ${profile ? `AWS profile ${profile}` : 'the default AWS credentials'}`,
        state,
      ))
    )
      return false;
    await this.save(state, client);
    vscode.window.setStatusBarMessage(`$(check) Cody Batch: connected to ${apiUrl}`, 5000);
    return true;
  }

  async signOut(): Promise<void> {
    await this.context.secrets.delete(TOKEN_KEY);
    await this.context.globalState.update(STATE_KEY, undefined);
    this.log.info('Signed out');
    await this.setConnected(undefined, undefined);
  }

  dispose(): void {
    this.changed.dispose();
  }

  private awsAuth(state: Extract<ConnectionState, { kind: 'aws' }>): RequestAuth {
    return sigv4Auth({ region: state.region, profile: state.profile });
  }

  private makeClient(apiUrl: string, auth: RequestAuth): CodyBatchClient {
    const version = String(this.context.extension.packageJSON.version ?? '0');
    return new CodyBatchClient({ baseUrl: apiUrl, auth, userAgent: `cody-batch-vscode/${version}`, timeoutMs: 30_000 });
  }

  /** Health (no auth) and one authenticated call, so a bad token or credential shows now. */
  private async check(client: CodyBatchClient, title: string, state: ConnectionState): Promise<boolean> {
    try {
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: `Cody Batch: ${title}…` },
        async () => {
          const health = await client.health();
          this.log.info(`${state.apiUrl} answers health: version ${health.version}`);
          await client.listJobs({ limit: 1 });
        },
      );
      return true;
    } catch (error) {
      this.log.error(`${title} failed`, error);
      await this.explain(this.connectFailure(error, state));
      return false;
    }
  }

  private connectFailure(error: unknown, state: ConnectionState): string {
    if (error instanceof ApiError) {
      if (error.unreachable) {
        return state.kind === 'token'
          ? `Local stack not running at ${state.apiUrl}: run \`npm start\`, then connect again.`
          : `${state.apiUrl} could not be reached: check the URL (codyBatch.apiUrl) and your network.`;
      }
      if (error.status === 401)
        return `The token was refused by ${state.apiUrl}: check the \`token\` file in the local home (the stack writes a new one if it was deleted).`;
      if (error.status === 403) return awsRefusalMessage(error.message);
      return `Connecting failed: ${error.message}`;
    }
    const name = error instanceof Error ? error.name : '';
    if (
      /Credentials?ProviderError|CredentialsError/.test(name) ||
      /credential/i.test(String((error as Error)?.message))
    ) {
      const profile = state.kind === 'aws' ? state.profile : undefined;
      return (
        `No AWS credentials found${profile ? ` for profile ${profile}` : ''}: run \`aws sso ` +
        `login${profile ? ` --profile ${profile}` : ''}\` or \`aws configure\`, then Connect to AWS.`
      );
    }
    return `Connecting failed: ${error instanceof Error ? error.message : String(error)}`;
  }

  private async explain(message: string): Promise<void> {
    const choice = await vscode.window.showErrorMessage(this.log.redactor.text(message), 'Show Log', 'Open Settings');
    if (choice === 'Show Log') this.log.show();
    if (choice === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'codyBatch');
  }

  private async save(state: ConnectionState, client: CodyBatchClient): Promise<void> {
    await this.context.globalState.update(STATE_KEY, state);
    this.log.info(
      `Connected to ${state.apiUrl} (${state.kind === 'aws' ? `SigV4, ${state.region}${state.profile ? `, profile ${state.profile}` : ''}` : 'bearer token'})`,
    );
    await this.setConnected(state, client);
  }

  private async setConnected(
    state: ConnectionState | undefined,
    clientOrAuth: CodyBatchClient | RequestAuth | undefined,
  ): Promise<void> {
    this.state = state;
    this.currentClient =
      state && clientOrAuth
        ? clientOrAuth instanceof CodyBatchClient
          ? clientOrAuth
          : this.makeClient(state.apiUrl, clientOrAuth)
        : undefined;
    await vscode.commands.executeCommand('setContext', CONNECTED_CONTEXT, this.connected);
    this.changed.fire();
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
