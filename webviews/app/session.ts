import type { WebConfig } from '../../common/webConfig';

// Who the page acts as. The credential lives in sessionStorage only (this tab, gone when it
// closes) and travels only as `Authorization: Bearer …`: no cookie, so no other site's page can
// make the browser act with it.
// - The local stack's token comes in the link `npm start` prints, in the fragment (`#token=…`,
//   which the browser never sends to a server); the page takes it and at once replaces the
//   address without it (history.replaceState), so it is not in the history, a bookmark or a
//   pasted link. Or the person pastes it into the sign-in form.
// - On AWS, Cognito's hosted sign-in with the authorization code and PKCE: the page sends the
//   person to it, and exchanges the code it comes back with for tokens; the access token is the
//   bearer the API's JWT authorizer checks.

const TOKEN_KEY = 'cody-batch.token';
const PKCE_KEY = 'cody-batch.pkce';

export interface Session {
  token: string;
}

/** The session of this tab, after taking a token or a sign-in code from the address if there is one. */
export async function currentSession(config: WebConfig, window: Window): Promise<Session | undefined> {
  const storage = window.sessionStorage;
  if (config.auth === 'token') {
    // Whatever follows `#token=`, it leaves the address at once; only a well-formed token is kept.
    if (window.location.hash.startsWith('#token=')) {
      const fromLink = tokenFromFragment(window.location.hash);
      window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}#/jobs`);
      if (fromLink !== undefined) storage.setItem(TOKEN_KEY, fromLink);
    }
  } else {
    const params = new URLSearchParams(window.location.search);
    const code = params.get('code');
    if (code) {
      // Whatever happens, the code leaves the address now.
      window.history.replaceState(null, '', `${window.location.pathname}#/jobs`);
      const token = await exchangeCode(config, window, code, params.get('state') ?? '');
      storage.setItem(TOKEN_KEY, token);
    }
  }
  const token = storage.getItem(TOKEN_KEY);
  return token ? { token } : undefined;
}

/** `#token=…` (the link `npm start` prints); any other fragment is a route. */
export function tokenFromFragment(hash: string): string | undefined {
  const match = /^#token=([A-Za-z0-9._~+/=-]{1,4096})$/.exec(hash);
  return match ? decodeURIComponent(match[1]!) : undefined;
}

export function keepToken(window: Window, token: string): void {
  window.sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetSession(window: Window): void {
  window.sessionStorage.removeItem(TOKEN_KEY);
  window.sessionStorage.removeItem(PKCE_KEY);
}

/** The page's own address without route, query or fragment: Cognito's callback and sign-out URL. */
export function appUrl(window: Window): string {
  return `${window.location.origin}${window.location.pathname}`;
}

/** Sends the person to Cognito's hosted sign-in (authorization code with PKCE, S256). */
export async function signInWithCognito(config: Extract<WebConfig, { auth: 'cognito' }>, window: Window) {
  const verifier = randomText(window, 48);
  const state = randomText(window, 24);
  window.sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state }));
  const digest = await window.crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  const url = new URL('/oauth2/authorize', config.signInUrl);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: appUrl(window),
    scope: 'openid email',
    state,
    code_challenge_method: 'S256',
    code_challenge: base64Url(new Uint8Array(digest)),
  }).toString();
  window.location.assign(url.toString());
}

export function cognitoSignOutUrl(config: Extract<WebConfig, { auth: 'cognito' }>, window: Window): string {
  const url = new URL('/logout', config.signInUrl);
  url.search = new URLSearchParams({ client_id: config.clientId, logout_uri: appUrl(window) }).toString();
  return url.toString();
}

async function exchangeCode(config: WebConfig, window: Window, code: string, state: string): Promise<string> {
  if (config.auth !== 'cognito') throw new Error('Not signed in through Cognito');
  const saved = window.sessionStorage.getItem(PKCE_KEY);
  window.sessionStorage.removeItem(PKCE_KEY);
  const pkce = saved ? (JSON.parse(saved) as { verifier?: string; state?: string }) : {};
  // A code this tab did not ask for (another site sent the person here with one) is refused.
  if (!pkce.verifier || !pkce.state || pkce.state !== state)
    throw new Error('The sign-in did not start here; sign in again');
  const response = await window.fetch(new URL('/oauth2/token', config.signInUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: config.clientId,
      code,
      redirect_uri: appUrl(window),
      code_verifier: pkce.verifier,
    }).toString(),
  });
  if (!response.ok) throw new Error(`Signing in failed (HTTP ${response.status}); sign in again`);
  const body = (await response.json()) as { access_token?: unknown };
  if (typeof body.access_token !== 'string') throw new Error('Signing in gave no access token; sign in again');
  return body.access_token;
}

function randomText(window: Window, bytes: number): string {
  return base64Url(window.crypto.getRandomValues(new Uint8Array(bytes)));
}

function base64Url(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
