import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { sha256Hex, sha256HexPortable } from './sha256';

describe('sha256Hex', () => {
  it('matches Node’s crypto on the standard vectors, every padding length and non-ASCII text, in plain JavaScript too', () => {
    for (const hash of [sha256Hex, sha256HexPortable]) {
      assert.equal(hash('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
      const inputs = ['', 'é→✓ 𝄞 \u0000', 'lone \ud800 surrogate \udfff'];
      for (let length = 0; length < 200; length++) inputs.push('x'.repeat(length));
      inputs.push('diff --git a/x b/x\n'.repeat(5_000));
      for (const input of inputs) assert.equal(hash(input), createHash('sha256').update(input).digest('hex'), input);
      const bytes = new Uint8Array([0xff, 0xfe, 0, 0xc3, 0x28, ...Buffer.from('not UTF-8 as a whole')]);
      assert.equal(hash(bytes), createHash('sha256').update(bytes).digest('hex'), 'bytes as they are');
    }
  });
});
