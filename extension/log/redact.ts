// Removes secrets from text bound for the log: the values we know (the bearer token, AWS keys), and
// anything shaped like a credential (Authorization headers, AWS signatures and session tokens,
// GitHub and Anthropic keys, passwords in URLs). No vscode here.

const PATTERNS: [RegExp, string][] = [
  [/(authorization["']?\s*[:=]\s*["']?)(bearer|basic|aws4-hmac-sha256)\s+[^\s"',]+(?:[^"'\n]*)/gi, '$1$2 [redacted]'],
  [/\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/g, 'Bearer [redacted]'],
  [/(x-amz-security-token["']?\s*[:=]\s*["']?)[^\s"',]+/gi, '$1[redacted]'],
  [/([?&](?:X-Amz-Signature|X-Amz-Security-Token|X-Amz-Credential)=)[^&\s"']+/gi, '$1[redacted]'],
  [/\b(?:ghp|gho|ghu|ghs|ghr|github_pat)_[A-Za-z0-9_]{16,}/g, '[redacted GitHub token]'],
  [/\bsk-ant-[A-Za-z0-9_-]{10,}/g, '[redacted Anthropic key]'],
  [/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, '[redacted AWS key id]'],
  [/(aws_secret_access_key["']?\s*[:=]\s*["']?)[^\s"',]+/gi, '$1[redacted]'],
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]+@/gi, '$1[redacted]@'],
];

export class Redactor {
  private readonly secrets = new Set<string>();

  /** Remembers a secret value so that it never reaches the log verbatim. */
  add(secret: string | undefined): void {
    if (secret && secret.length >= 6) this.secrets.add(secret);
  }

  forget(secret: string | undefined): void {
    if (secret) this.secrets.delete(secret);
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join('[redacted]');
    for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
    return out;
  }
}
