import assert from 'node:assert/strict';
import { REDACTED, Redactor } from './redact';

describe('Redactor', () => {
  const token = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
  const key = 'sk-ant-api03-secretsecretsecretsecret';
  const redactor = Redactor.fromEnvironment({ GITHUB_TOKEN: token, ANTHROPIC_API_KEY: key, AWS_SECRET_ACCESS_KEY: 'aws/secret+value=1234' });

  it('replaces the exact secrets and the forms git and HTTP give them', () => {
    const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
    const text = `token ${token}, key ${key}, header Authorization: Basic ${basic}, url-encoded ${encodeURIComponent('aws/secret+value=1234')}`;
    const redacted = redactor.text(text);
    for (const secret of [token, key, basic, 'aws/secret+value=1234', encodeURIComponent('aws/secret+value=1234')]) assert.ok(!redacted.includes(secret), redacted);
    assert.equal(redacted.split(REDACTED).length - 1, 4);
  });

  it('catches token shapes it was not given', () => {
    assert.equal(new Redactor([]).text('leaked ghp_ZZZZZZZZZZZZZZZZZZZZZZZZZZ and sk-ant-api03-abcdefghijklmnop'), `leaked ${REDACTED} and ${REDACTED}`);
  });

  it('redacts inside JSON values and keys, and tells whether a text holds a secret', () => {
    assert.deepEqual(redactor.json({ messages: [{ text: `see ${token}` }], [key]: 1 }), { messages: [{ text: `see ${REDACTED}` }], [REDACTED]: 1 });
    assert.equal(redactor.containsSecret(`a ${key} b`), true);
    assert.equal(redactor.containsSecret('ghp_notoursnotoursnotoursnotours'), false);
  });

  it('leaves short values alone, which would blank out ordinary words', () => {
    assert.equal(Redactor.fromEnvironment({ GITHUB_TOKEN: 'abc' }).text('abc def'), 'abc def');
  });
});
