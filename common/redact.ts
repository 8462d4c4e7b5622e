// The one redaction helper for everything written where people can read it: the worker's log.txt,
// thread.json, error messages and console output; the agent's thread and tool results; the
// extension's log channel. It hides three kinds of things:
//  1. the exact secrets it knows, given at the start or added later (`add`), and the encodings git
//     and HTTP put them in;
//  2. anything shaped like an Anthropic key, an AWS access key id or a code host's token (the
//     host gives its shapes: backend/hosts/), so a secret printed by something we did not foresee
//     is still caught;
//  3. credentials recognised by their context: Authorization header values, AWS session tokens and
//     presigned-URL signatures, `aws_secret_access_key` settings and passwords in URLs. This layer
//     can be turned off (`headersAndUrls: false`) for text that is source code being edited, where
//     `postgres://app:app@db` in a fixture must stay as it is.
// No Node-only or vscode API here: the extension host and the worker both use it.

export const REDACTED = '[REDACTED]';

/** Environment variables whose values are secrets of the worker or the stack. */
export const SECRET_ENV_NAMES = [
  'GITHUB_TOKEN',
  'GH_TOKEN',
  'GITLAB_TOKEN',
  'GITHUB_APP_PRIVATE_KEY',
  'ANTHROPIC_API_KEY',
  'CLAUDE_API_KEY',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'CODY_BATCH_WORKER_KEY',
  'CODY_BATCH_PREVIOUS_WORKER_KEY',
] as const;

/** Token shapes worth hiding wherever they show up; code hosts add theirs (RedactorOptions.tokenPatterns). */
const TOKEN_PATTERNS: readonly RegExp[] = [/\bsk-ant-[A-Za-z0-9_-]{10,}/g, /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g];

/** Credentials recognised by what surrounds them; `$1` keeps the part that says what was hidden. */
const HEADER_AND_URL_PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  // `Authorization: Bearer x`, `"authorization": "AWS4-HMAC-SHA256 Credential=…, Signature=…"`: the rest of the value goes.
  [/(authorization["']?\s*[:=]\s*["']?)(bearer|basic|aws4-hmac-sha256)\s+[^\s"',]+(?:[^"'\n]*)/gi, `$1$2 ${REDACTED}`],
  // A bare bearer token; 16 characters at least, so prose such as "Bearer authentication" stays.
  [/\b(Bearer\s+)[A-Za-z0-9._~+/=-]{16,}/g, `$1${REDACTED}`],
  [/(x-amz-security-token["']?\s*[:=]\s*["']?)[^\s"',]+/gi, `$1${REDACTED}`],
  [/([?&](?:X-Amz-Signature|X-Amz-Security-Token|X-Amz-Credential)=)[^&\s"']+/gi, `$1${REDACTED}`],
  [/(aws_secret_access_key["']?\s*[:=]\s*["']?)[^\s"',]+/gi, `$1${REDACTED}`],
  // `scheme://user:password@host`: user and password go, the host stays.
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]+@/gi, `$1${REDACTED}@`],
  // `scheme://TOKEN@host`: a user name of 20 characters or more is a token, whatever its host.
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[A-Za-z0-9_.~-]{20,}@/gi, `$1${REDACTED}@`],
];

/** Shorter values are too likely to be ordinary words to replace everywhere. */
const MIN_SECRET_LENGTH = 8;

export interface RedactorOptions {
  /** Also hide credentials recognised by their context (headers, presigned URLs, URL passwords). Default true. */
  headersAndUrls?: boolean;
  /** More token shapes to hide (a code host's, from backend/hosts/). */
  tokenPatterns?: readonly RegExp[];
  /** More forms a known secret takes on the wire (a code host's git credentials). */
  encodings?: (secret: string) => string[];
}

export class Redactor {
  private readonly known = new Set<string>();
  /** Every form of every known secret, longest first, so a secret that contains another is replaced whole. */
  private forms: string[] = [];
  private readonly headersAndUrls: boolean;
  private readonly tokenPatterns: readonly RegExp[];
  private readonly encodings?: (secret: string) => string[];

  constructor(secrets: Iterable<string | undefined> = [], options: RedactorOptions = {}) {
    this.headersAndUrls = options.headersAndUrls ?? true;
    this.tokenPatterns = [...TOKEN_PATTERNS, ...(options.tokenPatterns ?? [])];
    this.encodings = options.encodings;
    for (const secret of secrets) this.remember(secret);
    this.updateForms();
  }

  /** A redactor for the secrets held in an environment. */
  static fromEnvironment(
    env: Record<string, string | undefined>,
    extra: Iterable<string | undefined> = [],
    options?: RedactorOptions,
  ): Redactor {
    return new Redactor([...SECRET_ENV_NAMES.map((name) => env[name]), ...extra], options);
  }

  /** Remembers a secret learned later (a token entered by the user), from now on hidden like the others. */
  add(secret: string | undefined): void {
    if (this.remember(secret)) this.updateForms();
  }

  /** Stops hiding a secret that is no longer ours (a replaced token). Its shape may still be caught. */
  forget(secret: string | undefined): void {
    if (secret && this.known.delete(secret)) this.updateForms();
  }

  /** True when the text holds one of the exact secrets (not merely a token-shaped string). */
  containsSecret(text: string): boolean {
    return this.forms.some((form) => text.includes(form));
  }

  text(value: string): string {
    let result = value;
    for (const form of this.forms) if (result.includes(form)) result = result.split(form).join(REDACTED);
    for (const pattern of this.tokenPatterns) result = result.replace(pattern, REDACTED);
    if (this.headersAndUrls) {
      for (const [pattern, replacement] of HEADER_AND_URL_PATTERNS) result = result.replace(pattern, replacement);
    }
    return result;
  }

  /**
   * Redacts every string inside a JSON-like value, keys included. String by string, so a pattern
   * never spans two values and a secret holding `"` is found as it is. Parts that needed nothing
   * are returned as they were (no copy).
   */
  json<T>(value: T): T {
    return this.walk(value) as T;
  }

  /** A message safe to store or show, from anything thrown. */
  error(error: unknown): string {
    return this.text(error instanceof Error ? error.message : String(error));
  }

  private walk(value: unknown): unknown {
    if (typeof value === 'string') return this.text(value);
    if (Array.isArray(value)) {
      const items = value.map((item) => this.walk(item));
      return items.some((item, index) => item !== value[index]) ? items : value;
    }
    if (value !== null && typeof value === 'object') {
      let changed = false;
      const entries = Object.entries(value).map(([key, item]) => {
        const [newKey, newItem] = [this.text(key), this.walk(item)];
        if (newKey !== key || newItem !== item) changed = true;
        return [newKey, newItem] as const;
      });
      return changed ? Object.fromEntries(entries) : value;
    }
    return value;
  }

  private remember(secret: string | undefined): boolean {
    if (!secret || secret.length < MIN_SECRET_LENGTH || this.known.has(secret)) return false;
    this.known.add(secret);
    return true;
  }

  private updateForms(): void {
    const forms = new Set<string>();
    for (const secret of this.known) {
      for (const form of [...encodedForms(secret), ...(this.encodings?.(secret) ?? []), ...linesOf(secret)])
        if (form.length >= MIN_SECRET_LENGTH) forms.add(form);
    }
    this.forms = [...forms].sort((a, b) => b.length - a.length);
  }
}

/**
 * The lines of a secret of several lines (a private key's PEM): a diff prefixes each line and a log
 * may hold part of it, so each line of 16 characters or more is a form of its own; the `-----BEGIN
 * …-----` armour is no secret.
 */
function linesOf(secret: string): string[] {
  if (!secret.includes('\n')) return [];
  return secret
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length >= 16 && !line.startsWith('-----'));
}

/**
 * The ways a secret appears on the wire: as is, URL-encoded, and base64 alone or in a Basic auth
 * header. Base64 of `user:secret` shares no stable substring with the secret itself, so each user
 * name must be listed: `git`'s here, a code host's through RedactorOptions.encodings.
 */
function encodedForms(secret: string): string[] {
  return [secret, encodeURIComponent(secret), base64(secret), base64(`git:${secret}`)];
}

function base64(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}
