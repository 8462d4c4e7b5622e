import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Window } from 'happy-dom';
import type { WebConfig } from '../../common/webConfig';
import { currentSession } from './session';

// Signing in on AWS: the page comes back from Cognito's hosted sign-in with `?code=…&state=…` and
// exchanges the code, with its PKCE verifier, at the token endpoint (a loopback stand-in speaking
// Cognito's /oauth2/token wire format). A code the tab did not ask for is refused (a login CSRF:
// another site sending the person here with its own code), and the code never stays in the address.

interface TokenRequest {
  contentType: string | undefined;
  form: Record<string, string>;
}

describe('web app sign-in through Cognito (code flow with PKCE)', () => {
  let server: Server;
  let signInUrl: string;
  const requests: TokenRequest[] = [];

  before(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        if (request.method === 'OPTIONS') {
          response.writeHead(204, {
            'access-control-allow-origin': '*',
            'access-control-allow-headers': 'content-type',
            'access-control-allow-methods': 'POST',
          });
          return response.end();
        }
        requests.push({
          contentType: request.headers['content-type'],
          form: Object.fromEntries(new URLSearchParams(body)),
        });
        response.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
        response.end(
          JSON.stringify({
            access_token: 'eyJ.access.token',
            id_token: 'eyJ.id',
            token_type: 'Bearer',
            expires_in: 3600,
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    signInUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function pageAt(url: string, pkce?: { verifier: string; state: string }) {
    const window = new Window({ url });
    if (pkce) window.sessionStorage.setItem('cody-batch.pkce', JSON.stringify(pkce));
    const config: WebConfig = { auth: 'cognito', apiUrl: 'https://api.example.com/', signInUrl, clientId: 'client123' };
    return { window: window as unknown as globalThis.Window, config, close: () => window.happyDOM.close() };
  }

  it('exchanges the code it asked for, keeps the access token for the tab, and clears the address', async () => {
    const page = pageAt('http://app.example.com/?code=the-code&state=s1', { verifier: 'v'.repeat(64), state: 's1' });
    const session = await currentSession(page.config, page.window);
    assert.deepEqual(session, { token: 'eyJ.access.token' });
    assert.deepEqual(requests.at(-1), {
      contentType: 'application/x-www-form-urlencoded',
      form: {
        grant_type: 'authorization_code',
        client_id: 'client123',
        code: 'the-code',
        redirect_uri: 'http://app.example.com/',
        code_verifier: 'v'.repeat(64),
      },
    });
    assert.equal(page.window.location.href, 'http://app.example.com/#/jobs');
    assert.equal(page.window.sessionStorage.getItem('cody-batch.pkce'), null, 'the verifier is used once');
    await page.close();
  });

  it('refuses a code this tab did not ask for, without calling the token endpoint', async () => {
    const before = requests.length;
    for (const pkce of [undefined, { verifier: 'v'.repeat(64), state: 'mine' }]) {
      const page = pageAt('http://app.example.com/?code=their-code&state=theirs', pkce);
      await assert.rejects(currentSession(page.config, page.window), /did not start here/);
      assert.equal(page.window.location.search, '', 'the code left the address');
      assert.equal(page.window.sessionStorage.getItem('cody-batch.token'), null);
      await page.close();
    }
    assert.equal(requests.length, before);
  });
});

describe('web app sign-in with the local stack’s token', () => {
  for (const [link, kept] of [
    ['http://127.0.0.1:7878/#token=abcDEF_123-xyz', 'abcDEF_123-xyz'],
    ['http://127.0.0.1:7878/#token=not%20a%20token', null],
  ] as const) {
    it(`takes ${kept ? 'a token' : 'a malformed token'} out of the address${kept ? ' and keeps it for the tab' : ''}`, async () => {
      const window = new Window({ url: link });
      const session = await currentSession({ auth: 'token' }, window as unknown as globalThis.Window);
      assert.equal(window.location.href, 'http://127.0.0.1:7878/#/jobs');
      assert.equal(window.sessionStorage.getItem('cody-batch.token'), kept);
      assert.deepEqual(session, kept ? { token: kept } : undefined);
      assert.equal(window.localStorage.length, 0, 'nothing in localStorage');
      await window.happyDOM.close();
    });
  }
});
