// One redaction helper for everything a worker writes where people can read it: log.txt,
// thread.json, error messages, console output. It knows the exact secrets it was given (and the
// encodings git and HTTP put them in), plus the shapes of common tokens, so a secret printed by
// something we did not foresee is still caught.

export const REDACTED = '[REDACTED]';

/** Environment variables whose values are secrets of the worker or the stack. */
export const SECRET_ENV_NAMES = [
  'GITHUB_TOKEN',
  'GH_TOKEN',
  'ANTHROPIC_API_KEY',
  'CLAUDE_API_KEY',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
] as const;

/** Token shapes worth hiding wherever they show up (GitHub, Anthropic, AWS access key ids). */
const TOKEN_PATTERNS: readonly RegExp[] = [
  /\bgh[pousr]_[A-Za-z0-9]{20,}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{20,}\b/g,
  /\bsk-ant-[A-Za-z0-9_-]{16,}/g,
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
];

/** Shorter values are too likely to be ordinary words to replace everywhere. */
const MIN_SECRET_LENGTH = 8;

export class Redactor {
  private readonly secrets: string[];

  constructor(secrets: Iterable<string | undefined>) {
    const forms = new Set<string>();
    for (const secret of secrets) {
      if (!secret || secret.length < MIN_SECRET_LENGTH) continue;
      for (const form of encodedForms(secret)) if (form.length >= MIN_SECRET_LENGTH) forms.add(form);
    }
    // Longest first, so a secret that contains another is replaced whole.
    this.secrets = [...forms].sort((a, b) => b.length - a.length);
  }

  /** A redactor for the secrets held in an environment. */
  static fromEnvironment(env: NodeJS.ProcessEnv, extra: Iterable<string | undefined> = []): Redactor {
    return new Redactor([...SECRET_ENV_NAMES.map((name) => env[name]), ...extra]);
  }

  /** True when the text holds one of the exact secrets (not merely a token-shaped string). */
  containsSecret(text: string): boolean {
    return this.secrets.some((secret) => text.includes(secret));
  }

  text(value: string): string {
    let result = value;
    for (const secret of this.secrets) if (result.includes(secret)) result = result.split(secret).join(REDACTED);
    for (const pattern of TOKEN_PATTERNS) result = result.replace(pattern, REDACTED);
    return result;
  }

  /** Redacts every string inside a JSON-able value (keys included). */
  json<T>(value: T): T {
    return JSON.parse(this.text(JSON.stringify(value))) as T;
  }

  /** A message safe to store or show, from anything thrown. */
  error(error: unknown): string {
    return this.text(error instanceof Error ? error.message : String(error));
  }
}

/** The ways a secret appears on the wire: as is, URL-encoded, and base64 in a Basic auth header. */
function encodedForms(secret: string): string[] {
  const basic = (user: string) => Buffer.from(`${user}:${secret}`).toString('base64');
  // Base64 of `user:secret` shares no stable substring with the secret itself, so list the
  // headers git sends for GitHub tokens, and the bare base64 in case something encodes it alone.
  return [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64'), basic('x-access-token'), basic('git')];
}
