import { createPublicKey, createVerify, generateKeyPairSync, randomBytes } from 'node:crypto';

// The GitHub App side of the loopback GitHub (./githubServer.ts): it verifies the app's JWT as
// GitHub does (RS256 with the app's public key, `iss` the app's id, not expired, issued at most
// 60 s ahead), lists the app's installations, and issues installation tokens (`ghs_…`) that expire,
// optionally narrowed to repositories. It then says what an installation token may reach: its own
// installation's account, and the repositories it was narrowed to.

export interface FakeInstallation {
  id: number;
  /** The organisation or user that installed the app. */
  account: string;
}

export interface FakeAppOptions {
  id: string;
  /** The app's public key (PEM): what GitHub keeps of the key pair. */
  publicKey: string;
  installations: FakeInstallation[];
}

export interface IssuedToken {
  token: string;
  installationId: number;
  account: string;
  /** The repositories (names, without the owner) it was narrowed to; undefined: all of the installation's. */
  repositories?: string[];
  expiresAt: number;
}

export type TokenVerdict = 'ok' | 'expired' | 'unknown' | 'elsewhere';

/** A key pair for a test's app: the private key Cody Batch is given, the public one the fake checks with. */
export function appKeyPair(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** The app's own routes (the JWT's), and the installation lookups. */
export function isAppRoute(path: string): boolean {
  return (
    path.startsWith('/app/') ||
    /^\/(?:orgs|users)\/[^/]+\/installation$/.test(path) ||
    /^\/repos\/[^/]+\/[^/]+\/installation$/.test(path)
  );
}

export class FakeGitHubApp {
  readonly issued: IssuedToken[] = [];
  /** The lives (seconds) of the next tokens issued, one each; then an hour, as GitHub gives. */
  private readonly lifetimes: number[] = [];
  /** JWTs it refused, with why. */
  readonly refusedJwts: string[] = [];

  constructor(readonly options: FakeAppOptions) {}

  /** Answers the app's own routes (`/app/…` with the JWT, and the installation lookups); undefined for others. */
  handle(
    method: string,
    path: string,
    authorization: string | undefined,
    body: Record<string, unknown>,
  ): { status: number; body: unknown } | undefined {
    if (!isAppRoute(path)) return undefined;
    const problem = this.jwtProblem(authorization);
    if (problem) {
      this.refusedJwts.push(problem);
      return { status: 401, body: { message: `A JSON web token could not be decoded: ${problem}` } };
    }
    if (method === 'GET' && path === '/app/installations')
      return { status: 200, body: this.options.installations.map((installation) => this.view(installation)) };
    const lookup = /^\/(?:orgs|users|repos)\/([^/]+)(?:\/[^/]+)?\/installation$/.exec(path);
    if (method === 'GET' && lookup) {
      const installation = this.installationOf(lookup[1]!);
      return installation
        ? { status: 200, body: this.view(installation) }
        : { status: 404, body: { message: 'Not Found' } };
    }
    const mint = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path);
    if (method === 'POST' && mint) {
      const installation = this.options.installations.find((candidate) => candidate.id === Number(mint[1]));
      if (!installation) return { status: 404, body: { message: 'Not Found' } };
      const repositories = Array.isArray(body.repositories) ? body.repositories.map(String) : undefined;
      const lifetime = this.lifetimes.shift() ?? 3_600;
      const issued: IssuedToken = {
        token: `ghs_${randomBytes(18).toString('hex')}`,
        installationId: installation.id,
        account: installation.account,
        repositories,
        expiresAt: Date.now() + lifetime * 1_000,
      };
      this.issued.push(issued);
      return {
        status: 201,
        body: {
          token: issued.token,
          expires_at: new Date(issued.expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          permissions: { contents: 'write', pull_requests: 'write', metadata: 'read' },
          repository_selection: repositories ? 'selected' : 'all',
          ...(repositories ? { repositories: repositories.map((name, id) => ({ id, name })) } : {}),
        },
      };
    }
    return { status: 404, body: { message: 'Not Found' } };
  }

  /** The next tokens issued live this many seconds each (a token that lapses during a long run). */
  nextLifetimes(...seconds: number[]): void {
    this.lifetimes.push(...seconds);
  }

  /** Whether an installation token may act on `owner`'s repositories (and on `repository`, when given). */
  verdict(token: string, owner: string, repository?: string): TokenVerdict {
    const issued = this.issued.find((candidate) => candidate.token === token);
    if (!issued) return 'unknown';
    if (issued.expiresAt <= Date.now()) return 'expired';
    if (issued.account.toLowerCase() !== owner.toLowerCase()) return 'elsewhere';
    if (
      repository &&
      issued.repositories &&
      !issued.repositories.some((name) => name.toLowerCase() === repository.toLowerCase())
    )
      return 'elsewhere';
    return 'ok';
  }

  /** The issued token, if `token` is one. */
  find(token: string): IssuedToken | undefined {
    return this.issued.find((candidate) => candidate.token === token);
  }

  private installationOf(account: string): FakeInstallation | undefined {
    return this.options.installations.find(
      (installation) => installation.account.toLowerCase() === account.toLowerCase(),
    );
  }

  private view(installation: FakeInstallation) {
    return { id: installation.id, app_id: Number(this.options.id), account: { login: installation.account } };
  }

  /** Why the `Authorization: Bearer <jwt>` is not the app's, or undefined when it is. */
  private jwtProblem(authorization: string | undefined): string | undefined {
    const jwt = /^bearer (.+)$/i.exec(authorization ?? '')?.[1];
    if (!jwt) return 'no bearer token';
    const [header, payload, signature] = jwt.split('.');
    if (!header || !payload || !signature) return 'not a JWT';
    let claims: { iss?: unknown; exp?: unknown; iat?: unknown };
    let alg: unknown;
    try {
      alg = JSON.parse(Buffer.from(header, 'base64url').toString()).alg;
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    } catch {
      return 'not a JWT';
    }
    if (alg !== 'RS256') return `alg ${String(alg)}, not RS256`;
    const verifier = createVerify('RSA-SHA256');
    verifier.update(`${header}.${payload}`);
    if (!verifier.verify(createPublicKey(this.options.publicKey), Buffer.from(signature, 'base64url')))
      return 'the signature does not match the app’s public key';
    if (String(claims.iss) !== this.options.id) return `iss ${String(claims.iss)} is not the app ${this.options.id}`;
    const now = Math.floor(Date.now() / 1_000);
    if (typeof claims.exp !== 'number' || claims.exp <= now) return 'expired';
    if (typeof claims.iat !== 'number' || claims.iat > now + 60) return 'issued in the future';
    if (claims.exp - claims.iat > 600) return 'lives longer than 10 minutes';
    return undefined;
  }
}
