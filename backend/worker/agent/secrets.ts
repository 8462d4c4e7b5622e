// Keeps secrets (the Claude key, the GitHub token) out of everything the agent writes: the thread,
// log lines and error messages. Known values are replaced wherever they appear, and anything shaped
// like an Anthropic key or a GitHub token is replaced too.

export const REDACTED = '[REDACTED]';

const SECRET_SHAPES = [/sk-ant-[A-Za-z0-9_-]{8,}/g, /gh[pousr]_[A-Za-z0-9]{20,}/g, /github_pat_[A-Za-z0-9_]{20,}/g];

export class Redactor {
  private readonly secrets: string[];

  constructor(secrets: Array<string | undefined>) {
    // Very short values would blank out ordinary text; real keys and tokens are long.
    this.secrets = [...new Set(secrets.filter((value): value is string => typeof value === 'string' && value.length >= 8))].sort(
      (a, b) => b.length - a.length,
    );
  }

  text(value: string): string {
    let result = value;
    for (const secret of this.secrets) result = result.split(secret).join(REDACTED);
    for (const shape of SECRET_SHAPES) result = result.replace(shape, REDACTED);
    return result;
  }

  /** A copy of a JSON value with every string redacted; the value itself when nothing needed it. */
  deep<T>(value: T): T {
    const json = JSON.stringify(value);
    if (json === undefined) return value;
    const redacted = this.text(json);
    return redacted === json ? value : (JSON.parse(redacted) as T);
  }
}
