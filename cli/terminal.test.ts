import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { forTerminal, jsonForTerminal } from './terminal';

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

describe('jsonForTerminal', () => {
  it('writes DEL, C1 controls and invisible characters as \\u escapes: the same value once parsed', () => {
    const value = { text: 'a\u001b]0;t\u0007\u007f\u009b31m\u202e\u{e0041}\ud800z', n: 1, list: ['\u200b'] };
    const json = jsonForTerminal(value);
    assert.doesNotMatch(json, /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u{e0000}-\u{e007f}]/u);
    assert.equal(
      json,
      '{"text":"a\\u001b]0;t\\u0007\\u007f\\u009b31m\\u202e\\udb40\\udc41\\ud800z","n":1,"list":["\\u200b"]}',
    );
    assert.deepEqual(JSON.parse(json), value);
  });
});

describe('the CLI writes only through cli/terminal.ts', () => {
  it('no other file of cli/ writes to stdout or stderr itself, so nothing reaches a terminal unescaped', () => {
    const writers: string[] = [];
    for (const file of readdirSync(__dirname)) {
      if (!file.endsWith('.ts') || file.endsWith('.test.ts') || file === 'terminal.ts') continue;
      readFileSync(path.join(__dirname, file), 'utf8')
        .split('\n')
        .forEach((line, index) => {
          if (/\bconsole\.|process\.(stdout|stderr)\b/.test(line)) writers.push(`${file}:${index + 1}: ${line.trim()}`);
        });
    }
    assert.deepEqual(writers, []);
  });
});
