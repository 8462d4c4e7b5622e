import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './helpers/localStack';

// "Say what holds": docs/security.md and docs/operations.md's threat model make the same promises,
// each with the tests that check it. Every promise cites tests that exist; both documents cite the
// same tests; and every claim of the threat model's chain-of-custody table is made, in its words,
// by docs/security.md.

const PROMISES = readFileSync(path.join(REPO_ROOT, 'docs/security.md'), 'utf8');
const GUIDE = readFileSync(path.join(REPO_ROOT, 'docs/operations.md'), 'utf8');

function between(text: string, from: string, to: string): string {
  const start = text.indexOf(from);
  assert.ok(start >= 0, `${from} is there`);
  const end = text.indexOf(to, start + from.length);
  return text.slice(start, end < 0 ? undefined : end);
}

const security = between(PROMISES, '# Cody Batch — security\n', '\n## ');
const threatModel = between(GUIDE, '## Threat model\n', '\n## ');
const testsIn = (text: string) => new Set([...text.matchAll(/`([\w./-]+\.test\.ts)`/g)].map((match) => match[1]!));

describe('security claims', () => {
  it('every promise of docs/security.md cites tests that exist and test something', () => {
    const promises = security.split('\n- ').slice(1);
    assert.ok(promises.length >= 10, 'the section lists its promises');
    for (const promise of promises) {
      const cited = testsIn(promise.slice(promise.indexOf('Tested by')));
      assert.ok(promise.includes('Tested by') && cited.size > 0, `no test cited for: ${promise.slice(0, 80)}`);
      for (const file of cited) {
        assert.ok(existsSync(path.join(REPO_ROOT, file)), `${file} does not exist`);
        assert.match(readFileSync(path.join(REPO_ROOT, file), 'utf8'), /\bit\(/, `${file} has no test`);
      }
    }
  });

  it('docs/security.md and the threat model cite the same tests', () => {
    assert.deepEqual([...testsIn(threatModel)].sort(), [...testsIn(security)].sort());
  });

  it("makes each of the threat model's chain-of-custody claims in docs/security.md too", () => {
    const table = between(threatModel, '| claim | holds because | tested by |', '\n\n');
    const rows = table
      .split('\n')
      .slice(2)
      .map((row) => row.split('|').map((cell) => cell.trim()));
    assert.ok(rows.length >= 5);
    const flat = security.toLowerCase().replace(/\s+/g, ' ');
    for (const [, claim, , tests] of rows) {
      assert.ok(flat.includes(claim!.toLowerCase()), `docs/security.md does not say "${claim}"`);
      for (const file of testsIn(tests!))
        assert.ok(testsIn(security).has(file), `${file} is not cited in docs/security.md`);
    }
  });
});
