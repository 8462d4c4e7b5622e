import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { WEB_CONFIG_FILE, type WebConfig } from '../../common/webConfig';

// The web app's files (dist/web), served by the local stack beside the API on the same origin:
// `/` is index.html, the few built files by their names, and `config.json` says the page signs in
// with the stack's token. Anything else is the API's. The files are public; what they show needs
// the token, which the page sends in a header. A strict CSP (no inline script, nothing from
// elsewhere, no framing) goes with every file, and a request that names another host (DNS
// rebinding: a site whose name now points at 127.0.0.1) is refused.

export const WEB_APP_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "font-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': WEB_APP_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-cache',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.ttf': 'font/ttf',
};

const LOCAL_HOSTNAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

export type WebAppHandler = (request: Request) => Promise<Response | undefined>;

/** Answers the web app's requests from `root`; undefined for the API's. Undefined when the app is not built. */
export async function webAppHandler(root: string): Promise<WebAppHandler | undefined> {
  const names = await readdir(root).catch(() => undefined);
  if (!names?.includes('index.html')) return undefined;
  // Only the files there at start, by exact name: no path from a request ever reaches the disk.
  const files = new Set(names.filter((name) => path.extname(name) in TYPES && name !== WEB_CONFIG_FILE));
  const config: WebConfig = { auth: 'token' };
  return async (request) => {
    const url = new URL(request.url);
    const name = url.pathname === '/' ? 'index.html' : url.pathname.slice(1);
    const known = files.has(name) || name === WEB_CONFIG_FILE;
    if (!known || (request.method !== 'GET' && request.method !== 'HEAD')) return undefined;
    if (!LOCAL_HOSTNAMES.has(url.hostname))
      return new Response('This server answers only as 127.0.0.1 or localhost.\n', {
        status: 421,
        headers: { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS },
      });
    const body = name === WEB_CONFIG_FILE ? JSON.stringify(config) : await readFile(path.join(root, name));
    return new Response(request.method === 'HEAD' ? null : body, {
      status: 200,
      headers: { 'content-type': TYPES[path.extname(name)]!, ...SECURITY_HEADERS },
    });
  };
}

/** The address `npm start` prints: the app, with the token in the fragment (never sent to a server). */
export function webAppLink(apiUrl: string, token: string): string {
  return `${apiUrl}/#token=${encodeURIComponent(token)}`;
}
