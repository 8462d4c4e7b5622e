import { createAppAuth } from '@octokit/auth-app';
import { type GitHubAppCredentials, HostRefusal, HostUnavailable } from '../codeHost';
import { createGitHubClient, githubMessage, statusOf } from './client';

// A GitHub App's installation tokens: the app signs a JWT with its private key (RS256) and trades it
// for a token per installation (an organisation or user that installed the app), which expires
// (an hour, as GitHub says in each token's own `expires_at`). Tokens are kept until shortly before
// that moment and then minted again, so a long run asks again before its push rather than failing
// with an expired one. @octokit/auth-app mints and signs; its own cache assumes every token lives
// 59 minutes, so it is bypassed (`refresh: true`) and this cache, keyed by installation and the
// repository a token is narrowed to, decides.

/** A token is minted again this long before its `expires_at`: no request starts with one about to lapse. */
export const TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;

interface Minted {
  token: string;
  /** Epoch ms, from GitHub's `expires_at`. */
  expiresAt: number;
}

export interface AppTokenOptions {
  /** The clock (tests move it). */
  now?: () => number;
  /** Told each token minted, so redactors know it by value. */
  onToken?: (token: string) => void;
}

export class GitHubAppTokens {
  private readonly auth: ReturnType<typeof createAppAuth>;
  private readonly request: ReturnType<typeof createGitHubClient>['request'];
  private readonly now: () => number;
  private installations?: Promise<Map<string, number>>;
  private readonly tokens = new Map<string, Promise<Minted>>();
  /** How many tokens were minted: the tests' proof that a cached one was used, or not. */
  minted = 0;

  constructor(
    private readonly app: GitHubAppCredentials,
    apiUrl: string,
    private readonly options: AppTokenOptions = {},
  ) {
    // An unauthenticated client for the app's own calls: each carries the JWT or nothing.
    this.request = createGitHubClient({ baseUrl: apiUrl }).request;
    this.auth = createAppAuth({ appId: app.appId, privateKey: app.privateKey, request: this.request });
    this.now = options.now ?? Date.now;
  }

  /** The accounts (organisations and users) that installed the app. */
  async owners(): Promise<string[]> {
    return [...(await this.installationIds()).keys()];
  }

  /**
   * A token for the installation of `owner`: the installation's own reach (the API's queries and
   * pull-request actions), or narrowed to one `repository` (a worker's clone, push and pull request).
   */
  async tokenFor(owner: string, repository?: string): Promise<string> {
    const installationId = await this.installationOf(owner);
    const key = `${installationId}/${repository?.toLowerCase() ?? '*'}`;
    const cached = this.tokens.get(key);
    if (cached) {
      const minted = await cached.catch(() => undefined);
      if (minted && minted.expiresAt - TOKEN_REFRESH_MARGIN_MS > this.now()) return minted.token;
    }
    const minting = this.mint(installationId, repository);
    this.tokens.set(key, minting);
    minting.catch(() => this.tokens.delete(key));
    return (await minting).token;
  }

  async installationOf(owner: string): Promise<number> {
    let id = (await this.installationIds()).get(owner.toLowerCase());
    if (id === undefined) {
      // Installed since we looked: look again once.
      this.installations = undefined;
      id = (await this.installationIds()).get(owner.toLowerCase());
    }
    if (id === undefined)
      throw new HostRefusal(
        `The GitHub App ${this.app.appId} is not installed on "${owner}": install it there ` +
          `(docs/operations.md, "GitHub App"), or leave ${owner}'s repositories out`,
      );
    return id;
  }

  private async mint(installationId: number, repository?: string): Promise<Minted> {
    try {
      const minted = await this.auth({
        type: 'installation',
        installationId,
        refresh: true,
        ...(repository ? { repositoryNames: [repository] } : {}),
      });
      this.minted++;
      this.options.onToken?.(minted.token);
      return { token: minted.token, expiresAt: Date.parse(minted.expiresAt) };
    } catch (error) {
      throw appError(error, `mint an installation token for installation ${installationId}`);
    }
  }

  private installationIds(): Promise<Map<string, number>> {
    this.installations ??= this.listInstallations().catch((error: unknown) => {
      this.installations = undefined;
      throw error;
    });
    return this.installations;
  }

  private async listInstallations(): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    try {
      for (let page = 1; ; page++) {
        const { token } = await this.auth({ type: 'app' });
        const { data } = await this.request('GET /app/installations', {
          per_page: 100,
          page,
          headers: { authorization: `bearer ${token}` },
        });
        for (const installation of data) {
          const login = (installation.account as { login?: string } | null)?.login;
          if (login) found.set(login.toLowerCase(), installation.id);
        }
        if (data.length < 100) return found;
      }
    } catch (error) {
      throw appError(error, 'list its installations');
    }
  }
}

function appError(error: unknown, what: string): Error {
  if (error instanceof HostRefusal) return error;
  const status = statusOf(error);
  if (status === 401 || status === 403)
    return new HostUnavailable(
      `GitHub refused the App's credentials when asked to ${what} (${githubMessage(error)}): check GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY`,
    );
  if (status === 404 || status === 422) return new HostRefusal(`GitHub refused to ${what}: ${githubMessage(error)}`);
  return new HostUnavailable(`GitHub could not ${what}: ${(error as Error).message}`);
}
