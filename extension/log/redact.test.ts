import assert from 'node:assert/strict';
import { Redactor } from './redact';

describe('Redactor', () => {
  it('removes known secrets and anything shaped like a credential', () => {
    const redactor = new Redactor();
    redactor.add('s3cr3t-local-token-value');
    const text = [
      'token s3cr3t-local-token-value in a message',
      'authorization: Bearer abcdefghijklmnop',
      'Authorization: AWS4-HMAC-SHA256 Credential=AKIAABCDEFGHIJKLMNOP/20260101/eu-west-1/execute-api/aws4_request, Signature=abc',
      'x-amz-security-token: FQoGZXIvYXdzEJr//////////wEaDOrYl',
      'https://bucket.s3.amazonaws.com/k?X-Amz-Signature=deadbeef&X-Amz-Credential=AKIA/x&X-Amz-Expires=300',
      'clone https://x-access-token:ghp_abcdefghijklmnopqrstuvwxyz012345@github.com/acme/widgets.git',
      'key sk-ant-api03-abcdefghijklmnop and ghp_abcdefghijklmnopqrstuvwxyz012345',
    ].join('\n');
    const out = redactor.redact(text);
    for (const secret of ['s3cr3t-local-token-value', 'abcdefghijklmnop', 'AKIAABCDEFGHIJKLMNOP', 'FQoGZXIvYXdzEJr', 'deadbeef', 'ghp_abcdefghijklmnopqrstuvwxyz012345', 'sk-ant-api03']) {
      assert.ok(!out.includes(secret), `${secret} is gone from:\n${out}`);
    }
    assert.match(out, /X-Amz-Expires=300/, 'what is not secret stays');
    assert.match(out, /github\.com\/acme\/widgets\.git/);
  });
});
