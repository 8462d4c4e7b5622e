import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { createApp } from '../../backend/api/app';
import type { ApiDependencies } from '../../backend/api/context';
import { bearerOwner } from '../../backend/api/middleware/auth';
import { type RunningServer, startApiServer } from '../../backend/api/server';
import { IdleExecutor } from '../../backend/executor/executor';
import { type CodeHostConfig, codeHostFrom } from '../../backend/hosts';
import { FolderArtifactStore } from '../../backend/store/artifacts';
import type { Store } from '../../backend/store/store';
import { bearerAuth, CodyBatchClient } from '../../common/client';
import { type FakeAnthropic, type FakeAnthropicOptions, startFakeAnthropic } from '../fakes/anthropicServer';
import { type FakeGitHub, type FakeGitHubOptions, startFakeGitHub } from '../fakes/githubServer';
import { type FakeGitLab, type FakeGitLabOptions, startFakeGitLab } from '../fakes/gitlabServer';
import { type GitHttpServer, type GitHttpServerOptions, startGitHttpServer } from '../fakes/gitHttpServer';
import { newTestStore, startTestDynamo } from './dynamo';
import { createGitHosting, type FixtureFiles, type GitHosting } from './git';
import type { GitHubCredentials } from './githubCredentials';
import { testKeys } from './keys';
import { CLI, makeTempDir, type StackProcess, type StackProcessOptions, startStackProcess } from './localStack';

// The one test world: what a test runs against, each part optional, all stopped by one `dispose`.
// Bare repositories in a temporary folder (always); git's smart HTTP in front of them behind the
// token check; the loopback GitHub, GitLab and Claude; and the real local stack (`dist/cli.js
// serve`) pointed at whichever of those started, or the API in this process on a real dynalite. A test asks for what it needs; the world wires the
// stack's environment for it (CODY_BATCH_GIT_BASE, GITHUB_*, GITLAB_*, ANTHROPIC_*).

const exec = promisify(execFile);

export interface WorldOptions {
  /** Bare repositories to create, by name, with their files. */
  repositories?: Record<string, FixtureFiles>;
  /** The token the code host and git over HTTP take (the personal token, with `credentials`). */
  token?: string;
  /** The loopback GitHub (started when given), reading heads and mergeability from the hosting's repositories when there are any. */
  github?: Partial<FakeGitHubOptions>;
  /** How the stack meets GitHub (a token or an App, test/helpers/githubCredentials.ts); default the token. */
  credentials?: GitHubCredentials;
  /**
   * Git over smart HTTP in front of the hosting; default: with GitHub. Without it (and without
   * GitLab, which serves git itself) the stack clones `file://` URLs.
   */
  gitHttp?: boolean | Pick<GitHttpServerOptions, 'beforeServing'>;
  /** The loopback GitLab (started when given), its projects the hosting's repositories unless listed; the stack's code host. */
  gitlab?: Partial<FakeGitLabOptions>;
  /** The loopback Claude (started when given). */
  anthropic?: FakeAnthropicOptions;
  /** The local stack (started when given; `true` for the defaults). Its workers run `concurrency` at once (default 2). */
  stack?:
    | true
    | (Omit<StackProcessOptions, 'env'> & {
        concurrency?: number;
        env?: NodeJS.ProcessEnv;
        /** The workers' checkout folder (CODY_BATCH_WORK_DIR): a temporary one, read as `world.workDir`. */
        workDir?: boolean;
      });
  /**
   * The API in this process (started when given), as the Lambda runs it but on a real dynalite and
   * an artifact folder: its workers idle, the test keys, bearer auth with `token`, its code host the
   * loopback GitHub handing every rate limit to the client. `listen` serves it on a free port.
   */
  api?: {
    token: string;
    listen?: boolean;
    retentionDays?: number;
    /** The code host's pace (default: GitHub Enterprise's, four changes at once). */
    host?: Pick<CodeHostConfig, 'writesAtOnce' | 'writeIntervalMs'>;
    /** Where its operations go on after a request answers, and how long a request runs one first. */
    deps?: Pick<ApiDependencies, 'background' | 'limits'>;
  };
}

export interface InProcessApi {
  /** What the API runs with (an operation's runner started by a test takes the same). */
  deps: ApiDependencies;
  /** Its dynalite, for a second connection (through a proxy) to the same tables. */
  dynamoEndpoint: string;
  store: Store;
  artifacts: FolderArtifactStore;
  app: ReturnType<typeof createApp>;
  /** A client as a user's, with the API token: over HTTP when it listens, else through `app.request`. */
  client: CodyBatchClient;
  /** Its address, when it listens. */
  url?: string;
}

export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  /** Added to the CLI's environment, which is otherwise PATH and HOME only (it holds no token). */
  env?: NodeJS.ProcessEnv;
  /** The CLI's environment starts from this process's (a developer's shell) instead. */
  inheritEnv?: boolean;
}

/** What .ci/processCpu.cjs needs in every process it counts, when a run is being measured. */
function cpuByProcess(): NodeJS.ProcessEnv {
  const { PROCESS_CPU_DIR, NODE_OPTIONS } = process.env;
  return PROCESS_CPU_DIR ? { PROCESS_CPU_DIR, NODE_OPTIONS } : {};
}

/** The built CLI (`dist/cli.js`) as a user runs it, as a child process; never throws on a non-zero exit. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliOutcome> {
  const base = options.inheritEnv ? process.env : { PATH: process.env.PATH, HOME: process.env.HOME, ...cpuByProcess() };
  return exec(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: { ...base, ...options.env },
    maxBuffer: 16 * 1024 * 1024,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
}

/** The arguments of `cody-batch run` for a command job (`--name`, `--command`, `--repos`), then `more`. */
export function runArgs(name: string, command: string, repos: string, ...more: string[]): string[] {
  return ['run', '--name', name, '--command', command, '--repos', repos, ...more];
}

export class World {
  readonly #options: WorldOptions;
  readonly #disposers: (() => Promise<unknown>)[] = [];
  #hosting?: GitHosting;
  #gitServer?: GitHttpServer;
  #github?: FakeGitHub;
  #gitlab?: FakeGitLab;
  #anthropic?: FakeAnthropic;
  #stack?: StackProcess;
  #api?: InProcessApi;
  #workDir?: string;
  #stackOptions?: StackProcessOptions;

  constructor(options: WorldOptions) {
    this.#options = options;
  }

  get hosting(): GitHosting {
    return this.#part(this.#hosting, 'hosting');
  }
  get gitServer(): GitHttpServer {
    return this.#part(this.#gitServer, 'git server');
  }
  get github(): FakeGitHub {
    return this.#part(this.#github, 'GitHub');
  }
  get gitlab(): FakeGitLab {
    return this.#part(this.#gitlab, 'GitLab');
  }
  get anthropic(): FakeAnthropic {
    return this.#part(this.#anthropic, 'Claude');
  }
  get stack(): StackProcess {
    return this.#part(this.#stack, 'stack');
  }
  get api(): InProcessApi {
    return this.#part(this.#api, 'API');
  }
  get workDir(): string {
    return this.#part(this.#workDir, 'work folder');
  }

  /** Starts the parts asked for; on a failure stops what started and throws. */
  async start(): Promise<this> {
    const options = this.#options;
    try {
      const hosting = await createGitHosting();
      this.#hosting = hosting;
      this.#disposers.push(() => hosting.dispose());
      for (const [name, files] of Object.entries(options.repositories ?? {})) await hosting.create(name, files);
      const env: NodeJS.ProcessEnv = { CODY_BATCH_GIT_BASE: hosting.gitBase };
      const token = options.token ?? '';
      const credentials = options.credentials;

      if (options.github) {
        // With repositories, it answers for them as GitHub does for what it hosts (heads, mergeability).
        const gitRoot = options.repositories ? hosting.root : undefined;
        const github = await startFakeGitHub(
          credentials ? credentials.fake({ gitRoot, ...options.github }) : { token, gitRoot, ...options.github },
        );
        this.#github = github;
        this.#disposers.push(() => github.close());
        Object.assign(env, credentials ? credentials.stackEnv : { GITHUB_TOKEN: token }, {
          GITHUB_API_URL: github.url,
        });
      }
      if (options.gitHttp ?? options.github !== undefined) {
        const serving = typeof options.gitHttp === 'object' ? options.gitHttp : {};
        const gitServer =
          credentials && this.#github
            ? await credentials.gitServer(hosting.root, this.#github)
            : await startGitHttpServer({ root: hosting.root, token, ...serving });
        this.#gitServer = gitServer;
        this.#disposers.push(() => gitServer.close());
        env.CODY_BATCH_GIT_BASE = gitServer.gitBase;
      }
      if (options.gitlab) {
        const gitlab = await startFakeGitLab({
          token,
          root: hosting.root,
          projects: Object.keys(options.repositories ?? {}).map((path) => ({ path })),
          ...options.gitlab,
        });
        this.#gitlab = gitlab;
        this.#disposers.push(() => gitlab.close());
        // GitLab serves git itself: its clone URLs are `{GITLAB_URL}/{path}.git`.
        delete env.CODY_BATCH_GIT_BASE;
        Object.assign(env, { CODY_BATCH_CODE_HOST: 'gitlab', GITLAB_URL: gitlab.url, GITLAB_TOKEN: token });
      }
      if (options.anthropic) {
        const anthropic = await startFakeAnthropic(options.anthropic);
        this.#anthropic = anthropic;
        this.#disposers.push(() => anthropic.close());
        Object.assign(env, { ANTHROPIC_API_KEY: options.anthropic.apiKey, ANTHROPIC_BASE_URL: anthropic.url });
      }
      if (options.stack) {
        const { concurrency = 2, env: extra, workDir, ...stackOptions } = options.stack === true ? {} : options.stack;
        if (workDir) {
          this.#workDir = await this.tempDir('cody-batch-workdir-');
          env.CODY_BATCH_WORK_DIR = this.#workDir;
        }
        this.#stackOptions = {
          ...stackOptions,
          env: { ...env, CODY_BATCH_CONCURRENCY: String(concurrency), ...extra },
        };
        await this.#startStack(this.#stackOptions);
      }
      if (options.api) this.#api = await this.#startApi(options.api);
      return this;
    } catch (error) {
      await this.dispose();
      throw error;
    }
  }

  /** The CLI against this world's stack (CODY_BATCH_HOME its home); never throws on a non-zero exit. */
  cli(args: string[], options: CliOptions = {}): Promise<CliOutcome> {
    return runCli(args, { ...options, env: { ...options.env, CODY_BATCH_HOME: this.stack.home } });
  }

  /**
   * Stops the stack (SIGTERM unless `signal`; a stack already stopped stays so) and starts another on
   * its home, with its environment and `env` over it from now on (say, workers paused until the
   * restart): a restart, or the next stack after a crash.
   */
  async restartStack(signal?: NodeJS.Signals, env?: NodeJS.ProcessEnv): Promise<StackProcess> {
    const { home } = this.stack;
    await this.stack.stop(signal);
    this.#stackOptions = { ...this.#stackOptions, env: { ...this.#stackOptions?.env, ...env } };
    return this.#startStack({ ...this.#stackOptions, home });
  }

  async #startStack(options: StackProcessOptions): Promise<StackProcess> {
    const stack = await startStackProcess(options);
    this.#stack = stack;
    this.#disposers.push(() => stack.dispose());
    return stack;
  }

  /** A new temporary folder, removed with the world. */
  async tempDir(prefix?: string): Promise<string> {
    const folder = await makeTempDir(prefix);
    this.#disposers.push(() => rm(folder, { recursive: true, force: true }));
    return folder;
  }

  /** Stops every part started, the last first; a part that fails to stop does not keep the others running. */
  async dispose(): Promise<void> {
    for (const disposer of this.#disposers.splice(0).reverse()) await disposer().catch(() => undefined);
  }

  async #startApi(options: NonNullable<WorldOptions['api']>): Promise<InProcessApi> {
    const dynamo = await startTestDynamo();
    this.#disposers.push(() => dynamo.close());
    const root = await this.tempDir('cody-batch-artifacts-');
    const store = await newTestStore(dynamo);
    const artifacts = new FolderArtifactStore(root);
    const credentials = this.#options.credentials;
    const deps: ApiDependencies = {
      store,
      artifacts,
      executor: new IdleExecutor(),
      keys: testKeys(),
      codeHost: codeHostFrom({
        gitBase: 'https://github.example.com/{owner}/{name}.git',
        apiUrl: this.github.url,
        ...(credentials ? credentials.hostConfig : { token: this.#options.token }),
        maxRateLimitWaitSeconds: 0,
        ...options.host,
      }),
      version: 'test',
      retentionDays: options.retentionDays,
      log: { error: () => undefined },
      ...options.deps,
    };
    const app = createApp(deps, bearerOwner(options.token));
    const auth = bearerAuth(options.token);
    const parts = { deps, dynamoEndpoint: dynamo.endpoint, store, artifacts, app };
    if (!options.listen) {
      const request = ((input: URL, init?: RequestInit) => app.request(input.toString(), init)) as typeof fetch;
      return { ...parts, client: new CodyBatchClient({ baseUrl: 'http://cody-batch.test', auth, fetch: request }) };
    }
    const server: RunningServer = await startApiServer(app, { hostname: '127.0.0.1', port: 0 });
    this.#disposers.push(() => server.close());
    return { ...parts, client: new CodyBatchClient({ baseUrl: server.url, auth }), url: server.url };
  }

  #part<T>(part: T | undefined, name: string): T {
    if (part === undefined) throw new Error(`This test world has no ${name}: ask for it in its options.`);
    return part;
  }
}

/** A started world. */
export function startWorld(options: WorldOptions): Promise<World> {
  return new World(options).start();
}

/** A world for the enclosing `describe`: started in its `before`, disposed in its `after`. */
export function useWorld(options: WorldOptions): World {
  return use(new World(options));
}

/** `world` (a World or one of its kinds) for the enclosing `describe`: started in its `before`, disposed in its `after`. */
export function use<W extends World>(world: W): W {
  before(() => world.start());
  after(() => world.dispose());
  return world;
}
