import assert from 'node:assert/strict';
import { hostRedaction } from '../backend/hosts';
import { REDACTED, Redactor } from './redact';

// GitHub's token shapes and its git credentials' encoding come from its code host (backend/hosts/),
// as the worker, the executor and the API give them.
const hosts = hostRedaction();

describe('Redactor', () => {
  const token = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
  const key = 'sk-ant-api03-secretsecretsecretsecret';
  const redactor = Redactor.fromEnvironment(
    {
      GITHUB_TOKEN: token,
      ANTHROPIC_API_KEY: key,
      AWS_SECRET_ACCESS_KEY: 'aws/secret+value=1234',
    },
    [],
    hosts,
  );

  describe('exact secrets', () => {
    it('replaces the exact secrets and the forms git and HTTP give them', () => {
      const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
      const text = `token ${token}, key ${key}, header Authorization: Basic ${basic}, url-encoded ${encodeURIComponent('aws/secret+value=1234')}`;
      const redacted = new Redactor([token, key, 'aws/secret+value=1234'], { ...hosts, headersAndUrls: false }).text(
        text,
      );
      for (const secret of [token, key, basic, 'aws/secret+value=1234', encodeURIComponent('aws/secret+value=1234')])
        assert.ok(!redacted.includes(secret), redacted);
      assert.equal(redacted.split(REDACTED).length - 1, 4);
    });

    it("hides a secret added later (the extension's token) until it is forgotten", () => {
      const later = new Redactor();
      assert.equal(later.text('token s3cr3t-local-token-value'), 'token s3cr3t-local-token-value');
      later.add('s3cr3t-local-token-value');
      assert.equal(later.text('token s3cr3t-local-token-value in a message'), `token ${REDACTED} in a message`);
      assert.equal(later.containsSecret('x s3cr3t-local-token-value'), true);
      later.forget('s3cr3t-local-token-value');
      assert.equal(later.text('token s3cr3t-local-token-value'), 'token s3cr3t-local-token-value');
    });

    it('leaves short values alone, which would blank out ordinary words', () => {
      assert.equal(Redactor.fromEnvironment({ GITHUB_TOKEN: 'abc' }).text('abc def'), 'abc def');
      const short = new Redactor();
      short.add('abc');
      assert.equal(short.text('abc def'), 'abc def');
    });

    it('tells whether a text holds one of its secrets, not merely a token shape', () => {
      assert.equal(redactor.containsSecret(`a ${key} b`), true);
      assert.equal(redactor.containsSecret(`a ${encodeURIComponent('aws/secret+value=1234')} b`), true);
      assert.equal(redactor.containsSecret('ghp_notoursnotoursnotoursnotours'), false);
    });
  });

  describe('token shapes', () => {
    it('hides a token used as the user name of a URL, whichever host it belongs to', () => {
      assert.equal(
        new Redactor().text('fatal: https://glpat-abcdefghij0123456789@gitlab.example.com/a/b.git not found'),
        `fatal: https://${REDACTED}@gitlab.example.com/a/b.git not found`,
      );
      assert.equal(new Redactor().text('ssh://git@github.com/a/b.git'), 'ssh://git@github.com/a/b.git');
    });

    it('catches GitHub, Anthropic and AWS key id shapes it was not given, with or without the header patterns', () => {
      for (const plain of [new Redactor([], hosts), new Redactor([], { ...hosts, headersAndUrls: false })]) {
        assert.equal(
          plain.text(
            'leaked ghp_ZZZZZZZZZZZZZZZZZZZZZZZZZZ, github_pat_11ABCDEFG0123456789_abcdefghij, sk-ant-api03-abcdefghijklmnop and AKIAABCDEFGHIJKLMNOP',
          ),
          `leaked ${REDACTED}, ${REDACTED}, ${REDACTED} and ${REDACTED}`,
        );
        // The shorter shapes the extension used to catch.
        assert.equal(plain.text('ghs_abcdefghijklmnop sk-ant-abcdefghij'), `${REDACTED} ${REDACTED}`);
      }
    });
  });

  describe('headers and URLs', () => {
    it('removes credentials recognised by their context, and keeps what is not secret', () => {
      const text = [
        'authorization: Bearer abcdefghijklmnop',
        'Authorization: AWS4-HMAC-SHA256 Credential=AKIAABCDEFGHIJKLMNOP/20260101/eu-west-1/execute-api/aws4_request, Signature=abc',
        'x-amz-security-token: FQoGZXIvYXdzEJr//////////wEaDOrYl',
        'https://bucket.s3.amazonaws.com/k?X-Amz-Signature=deadbeef&X-Amz-Credential=AKIA/x&X-Amz-Expires=300',
        'clone https://x-access-token:ghp_abcdefghijklmnopqrstuvwxyz012345@github.com/acme/widgets.git',
        'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        'postgres://app:hunter2hunter2@db.internal:5432/app',
        'sent with Bearer eyJhbGciOiJIUzI1NiJ9.payload.signature',
      ].join('\n');
      const out = new Redactor().text(text);
      for (const secret of [
        'abcdefghijklmnop',
        'AKIAABCDEFGHIJKLMNOP',
        'FQoGZXIvYXdzEJr',
        'deadbeef',
        'ghp_abcdefghijklmnopqrstuvwxyz012345',
        'wJalrXUtnFEMI',
        'hunter2',
        'eyJhbGciOiJIUzI1NiJ9',
      ]) {
        assert.ok(!out.includes(secret), `${secret} is gone from:\n${out}`);
      }
      assert.match(out, /^authorization: Bearer \[REDACTED\]$/m);
      assert.match(
        out,
        /X-Amz-Signature=\[REDACTED\]&X-Amz-Credential=\[REDACTED\]&X-Amz-Expires=300/,
        'what is not secret stays',
      );
      assert.match(out, /https:\/\/\[REDACTED\]@github\.com\/acme\/widgets\.git/);
      assert.match(out, /postgres:\/\/\[REDACTED\]@db\.internal:5432\/app/);
      assert.equal(
        new Redactor().text('Switched the client to Bearer authentication.'),
        'Switched the client to Bearer authentication.',
      );
    });

    it("leaves source code alone when they are off (the agent's text is code it edits)", () => {
      const code =
        "const url = 'postgres://app:hunter2hunter2@db:5432/app';\nheaders.Authorization = 'Bearer ' + token;\n";
      assert.equal(new Redactor([token], { headersAndUrls: false }).text(code), code);
      assert.equal(
        new Redactor([token], { headersAndUrls: false }).text(`https://x-access-token:${token}@github.com`),
        `https://x-access-token:${REDACTED}@github.com`,
      );
    });
  });

  describe('json', () => {
    it('redacts inside JSON values and keys', () => {
      assert.deepEqual(redactor.json({ messages: [{ text: `see ${token}` }], [key]: 1 }), {
        messages: [{ text: `see ${REDACTED}` }],
        [REDACTED]: 1,
      });
    });

    it('finds a secret holding quotes or backslashes, never joins two values, and copies nothing that needed no change', () => {
      const quoted = 'pa"ss\\word-1234';
      const value = { a: `x ${quoted} y`, list: ['https://a', 'b:c@d'], untouched: { deep: ['plain'] } };
      const out = new Redactor([quoted]).json(value);
      assert.deepEqual(out, { a: `x ${REDACTED} y`, list: ['https://a', 'b:c@d'], untouched: { deep: ['plain'] } });
      assert.equal(out.untouched, value.untouched);
      assert.equal(new Redactor().json(value.untouched), value.untouched);
    });
  });

  it('finds a secret of several lines (a private key) line by line: in a diff every line is prefixed', () => {
    const pem = [
      '-----BEGIN RSA PRIVATE KEY-----',
      'MIIEpAIBAAKCAQEAvq1Ab3xFakeKeyLineOneForTheRedactorTest0123456789abcd',
      'Zm9vYmFyYmF6cXV4Y29yZ2VncmF1bHRnYXJwbHl3YWxkb2ZyZWRwbHVnaHh5enp5',
      '-----END RSA PRIVATE KEY-----',
      '',
    ].join('\n');
    const withKey = Redactor.fromEnvironment({ GITHUB_APP_PRIVATE_KEY: pem }, [], hosts);
    const diff = `diff --git a/k.pem b/k.pem\n+${pem.trimEnd().split('\n').join('\n+')}\n`;
    assert.equal(withKey.containsSecret(diff), true);
    assert.ok(!withKey.text(diff).includes('FakeKeyLineOne'), withKey.text(diff));
    // Half of a key is a leak too.
    assert.equal(withKey.containsSecret(`+${pem.split('\n')[2]}`), true);
    assert.equal(withKey.containsSecret('+-----BEGIN RSA PRIVATE KEY-----'), false, 'the armour is no secret');
  });

  it('makes a safe message of anything thrown', () => {
    assert.equal(redactor.error(new Error(`push failed for ${token}`)), `push failed for ${REDACTED}`);
    assert.equal(redactor.error(`plain ${key}`), `plain ${REDACTED}`);
  });
});
