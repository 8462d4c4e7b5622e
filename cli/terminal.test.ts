import assert from 'node:assert/strict';
import { forTerminal } from './terminal';

describe('forTerminal', () => {
  it('shows control characters escaped, and keeps newline and tab', () => {
    assert.equal(forTerminal('a\u001b[2Jb\u009b\r\tc\n'), 'a\\x1b[2Jb\\x9b\\x0d\tc\n');
  });

  it('shows bidirectional controls escaped, so they cannot reorder what is shown', () => {
    const bidi = '\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c';
    assert.equal(
      forTerminal(`x${bidi}y`),
      'x\\u202a\\u202b\\u202c\\u202d\\u202e\\u2066\\u2067\\u2068\\u2069\\u200e\\u200f\\u061cy',
    );
  });

  it('shows invisible characters escaped: zero-width ones, separators, tags, lone surrogates', () => {
    assert.equal(
      forTerminal('a\u200bb\u200cc\u200dd\ufeffe\u2028f\u2029g\u{e0041}h\ud800i'),
      'a\\u200bb\\u200cc\\u200dd\\ufeffe\\u2028f\\u2029g\\u{e0041}h\\ud800i',
    );
  });

  it('leaves other text alone: accents, right-to-left scripts, emoji', () => {
    const text = 'café שלום مرحبا 👍🏽 ❤️';
    assert.equal(forTerminal(text), text);
  });
});
