import * as z from 'zod';
import { ENV } from './names';

// The command sandbox as every part sees it (browser-safe): the modes an operator chooses, the
// state a stack reports, the hosts a command may reach, and when a job must be refused for want of
// a sandbox. The sandbox itself (Anthropic's sandbox runtime: bubblewrap on Linux, Seatbelt on
// macOS) is backend/worker/sandbox.ts.

/**
 * CODY_BATCH_SANDBOX. `auto`: sandboxed where the runtime works, else commands run as the user, with
 * a warning, and jobs that let Claude run commands are refused. `require`: every job with a command
 * is refused without it. `off`: commands run as the user, with a warning.
 */
export const SANDBOX_MODES = ['auto', 'require', 'off'] as const;
export type SandboxMode = (typeof SANDBOX_MODES)[number];
export const DEFAULT_SANDBOX_MODE: SandboxMode = 'auto';

/**
 * What holds around a job's commands where this API runs them. `on`: the sandbox. `off`: nothing,
 * by the operator's choice. `unavailable`: nothing, for want of the sandbox's dependencies.
 * `container`: AWS Batch, where the worker's container and its second user are the boundary.
 */
export const SANDBOX_STATES = ['on', 'off', 'unavailable', 'container'] as const;
export type SandboxState = (typeof SANDBOX_STATES)[number];

/** The one line that installs the sandbox's dependencies, per platform. */
export const SANDBOX_INSTALL = {
  linux: 'sudo apt-get install -y bubblewrap socat ripgrep',
  darwin: 'brew install ripgrep',
} as const;

/**
 * The hosts every sandboxed command may reach (port 443 only): the public package registries of
 * the common ecosystems, so a setup command such as `npm ci`, `pip install`, `go mod download` or
 * `cargo fetch` works. Everything else is refused unless the job allows it (`sandbox.allowHosts`);
 * the code host's git URL of the job's repositories is added by the worker. One list, here.
 */
export const DEFAULT_ALLOWED_HOSTS: readonly string[] = [
  // npm, Yarn
  'registry.npmjs.org:443',
  'registry.yarnpkg.com:443',
  'repo.yarnpkg.com:443',
  // PyPI
  'pypi.org:443',
  'files.pythonhosted.org:443',
  // Go modules
  'proxy.golang.org:443',
  'sum.golang.org:443',
  // Rust crates
  'crates.io:443',
  'index.crates.io:443',
  'static.crates.io:443',
  // Maven Central, Gradle
  'repo.maven.apache.org:443',
  'repo1.maven.org:443',
  'plugins.gradle.org:443',
  'services.gradle.org:443',
  'downloads.gradle.org:443',
  // RubyGems
  'rubygems.org:443',
  'index.rubygems.org:443',
  // NuGet
  'api.nuget.org:443',
  // Packagist (Composer)
  'repo.packagist.org:443',
  // Hex (Elixir)
  'repo.hex.pm:443',
];

/** The most hosts a job may add. */
export const MAX_ALLOWED_HOSTS = 50;

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOST_NAME = new RegExp(`^(?:\\*\\.)?${LABEL}(?:\\.${LABEL})*$`);
const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^\[[0-9a-f:.]{2,45}\]$/;

/**
 * Why `entry` is not a host the sandbox's proxy can allow (undefined when it is): a name
 * (`registry.example.com`), a wildcard over a domain (`*.example.com`), an IPv4 address or a
 * bracketed IPv6 one, each with an optional `:port`. No scheme, user, path or spaces.
 */
export function hostPatternProblem(entry: string): string | undefined {
  const shape = 'write a host such as registry.example.com, *.example.com or 127.0.0.1:8080 (no scheme or path)';
  if (entry.length === 0 || entry.length > 260) return `must be 1 to 260 characters; ${shape}`;
  const match = /^(.*?)(?::(\d{1,5}))?$/.exec(entry)!;
  const [, host = '', port] = match;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535 || port.startsWith('0'))) {
    return `"${entry}": the port must be 1 to 65535`;
  }
  if (IPV4.test(host) || IPV6.test(host)) return undefined;
  if (host.length > 253 || !HOST_NAME.test(host)) return `"${entry}" is not a host: ${shape}`;
  if (host.startsWith('*.') && !host.slice(2).includes('.')) {
    return `"${entry}": a wildcard must stand for names under a domain (*.example.com), not a whole top-level domain`;
  }
  return undefined;
}

export const AllowedHost = z
  .string()
  .transform((value) => value.trim().toLowerCase())
  .superRefine((value, ctx) => {
    const problem = hostPatternProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** A job's `sandbox`: what its commands may reach beyond the defaults. */
export const JobSandbox = z.strictObject({
  allowHosts: z
    .array(AllowedHost)
    .max(MAX_ALLOWED_HOSTS, { error: `must list at most ${MAX_ALLOWED_HOSTS} hosts` })
    .default([]),
});
export type JobSandbox = z.infer<typeof JobSandbox>;

/** `GET /sandbox`: what holds around this API's commands, and what they may reach by default. */
export const SandboxStatus = z.object({
  mode: z.enum(SANDBOX_MODES),
  state: z.enum(SANDBOX_STATES),
  /** One or two sentences for people: what holds and what does not. */
  message: z.string(),
  /** The line that installs what is missing (`unavailable`). */
  install: z.string().optional(),
  /** The hosts every command may reach, besides the code host and a job's own `allowHosts`. */
  defaultAllowedHosts: z.array(z.string()),
});
export type SandboxStatus = z.infer<typeof SandboxStatus>;

/** The parts of a job that run shell commands. */
export interface CommandsOfJob {
  command?: string;
  setupCommand?: string;
  verifyCommand?: string;
  allowCommands?: boolean;
}

export function runsCommands(job: CommandsOfJob): boolean {
  return (
    job.command !== undefined ||
    job.setupCommand !== undefined ||
    job.verifyCommand !== undefined ||
    job.allowCommands === true
  );
}

/**
 * Why a job may not run where the sandbox is in `status` (SANDBOX_UNAVAILABLE), or undefined. A job
 * that lets Claude run commands needs the sandbox unless the operator turned it off; under
 * `require`, every job with a command does.
 */
export function sandboxRefusal(
  status: Pick<SandboxStatus, 'mode' | 'state' | 'install'>,
  job: CommandsOfJob,
): string | undefined {
  if (status.state !== 'unavailable') return undefined;
  const install = status.install ? ` Install it with: ${status.install}` : '';
  if (status.mode === 'require' && runsCommands(job)) {
    return `This stack requires the command sandbox (CODY_BATCH_SANDBOX=require), and it is unavailable here.${install}`;
  }
  if (job.allowCommands) {
    return (
      'Letting Claude run commands (allowCommands) needs the command sandbox, which is unavailable here: ' +
      `what Claude types would run with your user's rights.${install} ` +
      '(Or set CODY_BATCH_SANDBOX=off for the stack to run them unsandboxed.)'
    );
  }
  return undefined;
}

/**
 * What `npm start` and `npm run demo` say about the sandbox: one line when it is on (or the
 * container's), else a warning and, where it is missing, the one line that installs it.
 */
export function sandboxNotice(status: SandboxStatus): { warning: boolean; text: string } {
  if (status.state === 'on' || status.state === 'container') return { warning: false, text: status.message };
  const install = status.install ? `\n  Install it with:  ${status.install}\n  then start again.` : '';
  return { warning: true, text: `WARNING: ${status.message}${install}` };
}

/** CODY_BATCH_SANDBOX, validated. */
export function sandboxModeFrom(env: Record<string, string | undefined>): SandboxMode {
  const raw = env[ENV.sandbox]?.trim().toLowerCase();
  if (!raw) return DEFAULT_SANDBOX_MODE;
  if (!(SANDBOX_MODES as readonly string[]).includes(raw)) {
    throw new Error(`${ENV.sandbox} must be one of ${SANDBOX_MODES.join(', ')}, not "${env[ENV.sandbox]}"`);
  }
  return raw as SandboxMode;
}

/** The one line that installs what the sandbox needs on `platform` (Node's `process.platform`). */
export function sandboxInstallLine(platform: string): string | undefined {
  return platform === 'linux' || platform === 'darwin' ? SANDBOX_INSTALL[platform] : undefined;
}

/**
 * What holds around commands in words, from the mode and (unless off) what the check found:
 * whether the runtime ran a command (`reason` when not), and the line that installs it.
 */
export function describeSandbox(
  mode: SandboxMode,
  check: { available: true } | { available: false; reason: string; install?: string } | undefined,
): SandboxStatus {
  const defaultAllowedHosts = [...DEFAULT_ALLOWED_HOSTS];
  if (mode === 'off' || !check) {
    return {
      mode,
      state: 'off',
      message: `The command sandbox is off (${ENV.sandbox}=off): commands run with your user's rights, read your files and reach any host.`,
      defaultAllowedHosts,
    };
  }
  if (check.available) {
    return {
      mode,
      state: 'on',
      message:
        'Commands run in the sandbox: they write only their checkout, cannot read your credentials or the stack’s home, ' +
        'reach only the allowed hosts, and nothing they start outlives them.',
      defaultAllowedHosts,
    };
  }
  return {
    mode,
    state: 'unavailable',
    message:
      `The command sandbox is unavailable here (${check.reason}): ` +
      (mode === 'require'
        ? 'jobs with commands are refused.'
        : "commands run with your user's rights, and jobs that let Claude run commands are refused."),
    ...(check.install ? { install: check.install } : {}),
    defaultAllowedHosts,
  };
}
