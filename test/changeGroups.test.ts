import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFile, readFile, rename, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { type GroupableRow, groupChanges } from '../common/changeGroups';
import { fingerprintPatch, fingerprintRecord } from '../common/fingerprint';
import { parsePatch, patchTotals } from '../common/patch';
import { dropHunks } from '../common/patchSubset';
import { handlerWithAuthCheck as server } from './helpers/changeFixtures';
import { createGitHosting, type FixtureFiles, type GitHosting, git } from './helpers/git';

// Grouping on diffs made by real git (the worker's own GitCheckout.stagedDiff) on real
// repositories whose code around the edit differs, and hunk dropping proven with `git apply`.

const run = promisify(execFile);

/** A source file with `before` lines of its own ahead of the call the edit changes, and its own tail. */
function source(index: number, indent = '  '): string {
  const own = Array.from({ length: 3 + ((index * 7) % 23) }, (_, line) => `const own${index}_${line} = ${line};`);
  return [
    `// module ${index}`,
    ...own,
    'export function main() {',
    `${indent}return oldFunction(value);`,
    '}',
    `export const tail${index} = ${index * 3};`,
    '',
  ].join('\n');
}

const SED = "sed -i 's/oldFunction(/newFunction(/g' src/main.js";

async function sed(checkout: string, script = SED): Promise<void> {
  await run('sh', ['-c', script], { cwd: checkout });
}

function row(name: string, patch: string, extra: Partial<GroupableRow> = {}): GroupableRow {
  return {
    repositoryName: name,
    fingerprint: fingerprintRecord(patch, 1, 0),
    diffStats: patchTotals(parsePatch(patch)),
    costUsd: 0.1,
    verificationFailed: false,
    review: 'unreviewed',
    ...extra,
  };
}

describe('change groups on real git diffs', function () {
  this.timeout(120_000);
  let hosting: GitHosting;
  before(async () => {
    hosting = await createGitHosting();
  });
  after(() => hosting?.dispose());

  async function patchIn(name: string, files: FixtureFiles, change: (checkout: string) => Promise<void>) {
    const hosted = await hosting.create(name, files);
    return hosted.patchFrom(change);
  }

  it('the same sed edit in 20 repositories with different code around it is one group', async () => {
    const patches = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        patchIn(`acme/same-${index}`, { 'src/main.js': source(index), 'README.md': `# ${index}\n` }, sed),
      ),
    );
    // Different line numbers and context: the patches differ, their changes do not.
    assert.equal(new Set(patches).size, 20);
    assert.ok(new Set(patches.map((patch) => /@@ -(\d+)/.exec(patch)![1])).size > 5, 'the edit sits on many lines');
    const { groups, flagged } = groupChanges(patches.map((patch, index) => row(`acme/same-${index}`, patch)));
    assert.equal(groups.length, 1);
    assert.equal(groups[0]!.repositories.length, 20);
    assert.deepEqual(groups[0]!.files, ['src/main.js']);
    assert.deepEqual([groups[0]!.additions, groups[0]!.deletions], [1, 1]);
    assert.equal(groups[0]!.representative, 'acme/same-0');
    assert.deepEqual(groups[0]!.reviewCounts, { unreviewed: 20, approved: 0, rejected: 0 });
    assert.deepEqual(flagged, []);
    // The code around it differs in each: the same lines, in 19 other surroundings to open.
    assert.deepEqual(
      groups[0]!.surroundings,
      Array.from({ length: 19 }, (_, index) => ({ repositories: [`acme/same-${index + 1}`] })).sort((a, b) =>
        a.repositories[0]! < b.repositories[0]! ? -1 : 1,
      ),
    );
  });

  it('a whitespace-only variant is a variant group; an extra file makes an outlier', async () => {
    const same = await Promise.all(
      [0, 1, 2, 3].map((index) => patchIn(`acme/main-${index}`, { 'src/main.js': source(index) }, sed)),
    );
    const tabbed = await patchIn('acme/tabbed', { 'src/main.js': source(9, '\t') }, sed);
    const extra = await patchIn('acme/extra', { 'src/main.js': source(5), 'package-lock.json': '{}\n' }, (checkout) =>
      sed(checkout, `${SED} && printf '{"lockfileVersion": 3}\\n' > package-lock.json`),
    );
    // Ten calls in one file: the same kind of edit, five times the lines.
    const big = await patchIn(
      'acme/big',
      {
        'src/main.js': Array.from({ length: 10 }, (_, line) => `export const v${line} = oldFunction(${line});\n`).join(
          '',
        ),
      },
      sed,
    );
    const rows = [
      ...same.map((patch, index) => row(`acme/main-${index}`, patch, { verificationFailed: index === 3 })),
      row('acme/tabbed', tabbed),
      row('acme/extra', extra, { costUsd: 2 }),
      row('acme/big', big),
    ];
    assert.notEqual(rows[4]!.fingerprint.exact, rows[0]!.fingerprint.exact);
    assert.equal(rows[4]!.fingerprint.loose, rows[0]!.fingerprint.loose);
    const { groups, flagged } = groupChanges(rows);
    assert.equal(groups.length, 4);
    assert.equal(groups[0]!.repositories.length, 4);
    const variant = groups.find((group) => group.representative === 'acme/tabbed')!;
    assert.equal(variant.variantOf, groups[0]!.fingerprint);
    const outlier = groups.find((group) => group.representative === 'acme/extra')!;
    assert.equal(outlier.variantOf, undefined);
    assert.deepEqual(outlier.files, ['package-lock.json', 'src/main.js']);
    const byName = new Map(flagged.map((entry) => [entry.repositoryName, entry.reasons.map((reason) => reason.code)]));
    assert.deepEqual(byName.get('acme/extra'), ['extra-files', 'high-cost', 'group-of-one']);
    assert.match(flagged.find((entry) => entry.repositoryName === 'acme/extra')!.reasons[0]!.message, /package-lock/);
    assert.deepEqual(byName.get('acme/tabbed'), ['group-of-one']);
    assert.equal(byName.has('acme/main-0'), false);
    assert.deepEqual(byName.get('acme/main-3'), ['verification-failed']);
    assert.deepEqual(byName.get('acme/big'), ['large-diff', 'group-of-one']);
    assert.match(
      flagged.find((entry) => entry.repositoryName === 'acme/big')!.reasons[0]!.message,
      /20 lines.*median of 2/,
    );
  });

  it('binary and rename diffs group too', async () => {
    const binary = Buffer.from(Array.from({ length: 2_048 }, (_, index) => (index * 31) % 256));
    const change = async (checkout: string) => {
      await appendFile(path.join(checkout, 'assets/logo.bin'), Buffer.from([0, 1, 2, 255]));
      await rename(path.join(checkout, 'docs/old.md'), path.join(checkout, 'docs/new.md'));
      await appendFile(path.join(checkout, 'docs/new.md'), 'One more line.\n');
    };
    const patches = await Promise.all(
      [0, 1, 2].map((index) =>
        patchIn(
          `acme/binary-${index}`,
          {
            'assets/logo.bin': binary,
            'docs/old.md': `${Array.from({ length: 12 }, (_, line) => `Line ${line} of a document.`).join('\n')}\n`,
            'src/own.js': `// ${index}\n`,
          },
          change,
        ),
      ),
    );
    assert.ok(
      patches.every((patch) => patch.includes('GIT binary patch') && patch.includes('rename from docs/old.md')),
    );
    const other = await patchIn(
      'acme/binary-other',
      { 'assets/logo.bin': binary, 'docs/old.md': 'Line 0 of a document.\n' },
      async (checkout) => appendFile(path.join(checkout, 'assets/logo.bin'), Buffer.from([9, 9])),
    );
    const rows = [
      ...patches.map((patch, index) => row(`acme/binary-${index}`, patch)),
      row('acme/binary-other', other),
    ];
    const { groups } = groupChanges(rows);
    assert.deepEqual(
      groups.map((group) => group.repositories),
      [['acme/binary-0', 'acme/binary-1', 'acme/binary-2'], ['acme/binary-other']],
    );
    assert.deepEqual(groups[0]!.files, ['assets/logo.bin', 'docs/new.md']);
    // Another binary content is another change, whatever the paths.
    assert.notEqual(groups[1]!.looseFingerprint, groups[0]!.looseFingerprint);
  });

  it('ignores index lines, but not modes, nor a file removed or added', async () => {
    const patch = await patchIn('acme/modes', { 'src/main.js': source(1), 'run.sh': 'echo hi\n' }, (checkout) =>
      sed(checkout, `${SED} && chmod +x run.sh`),
    );
    const plain = await patchIn('acme/plain', { 'src/main.js': source(2) }, sed);
    const otherIndex = patch.replace(/^index ([0-9a-f]+)\.\.([0-9a-f]+)/gm, 'index 0000001..0000002');
    assert.notEqual(otherIndex, patch);
    assert.equal(fingerprintPatch(otherIndex).exact, fingerprintPatch(patch).exact);
    const modeFree = patch.replace(/^old mode .*\nnew mode .*\n/m, '');
    assert.notEqual(fingerprintPatch(modeFree).exact, fingerprintPatch(patch).exact, 'run.sh became executable');
    assert.notEqual(fingerprintPatch(patch).exact, fingerprintPatch(plain).exact, 'run.sh is still a path it touches');
  });

  // Issue 24: one approval of a group approves every member, so a group must hold one change only.
  describe('groups that mean the same change (issue 24)', () => {
    /** Moves `checkAuth(request);` from the top of handle() into the block below it. */
    const moveCheck = async (checkout: string) => {
      const file = path.join(checkout, 'src/server.js');
      const lines = (await readFile(file, 'utf8')).split('\n');
      lines.splice(1, 1);
      lines.splice(3, 0, '  checkAuth(request);');
      await writeFile(file, lines.join('\n'));
    };

    it('an auth check moved into dead code is flagged apart from the same lines moved harmlessly', async () => {
      const harmless = await patchIn('acme/harmless', { 'src/server.js': server('harmless') }, moveCheck);
      const dead = await patchIn('acme/dead-code', { 'src/server.js': server('dead code') }, moveCheck);
      const again = await patchIn('acme/harmless-too', { 'src/server.js': server('harmless') }, moveCheck);
      assert.match(dead, /^ {3}if \(false\) \{\n\+ {2}checkAuth\(request\);$/m, 'git shows the dead code around it');
      const rows = [row('acme/harmless', harmless), row('acme/dead-code', dead), row('acme/harmless-too', again)];
      // The same removed and added lines: one change to review, but not to approve unseen.
      assert.equal(rows[0]!.fingerprint.exact, rows[1]!.fingerprint.exact);
      assert.notEqual(rows[0]!.fingerprint.context, rows[1]!.fingerprint.context);
      assert.equal(rows[0]!.fingerprint.context, rows[2]!.fingerprint.context);
      const { groups } = groupChanges(rows);
      assert.equal(groups.length, 1);
      assert.equal(groups[0]!.representative, 'acme/harmless', 'shown: a member of the largest surroundings');
      assert.deepEqual(groups[0]!.surroundings, [{ repositories: ['acme/dead-code'] }]);
    });

    it('a link to ../../../../etc/passwd is not the plain file holding that text', async () => {
      const target = '../../../../etc/passwd';
      const link = await patchIn('acme/link', { 'README.md': 'a\n' }, (checkout) =>
        symlink(target, path.join(checkout, 'config')),
      );
      const plain = await patchIn('acme/plain', { 'README.md': 'b\n' }, (checkout) =>
        writeFile(path.join(checkout, 'config'), target),
      );
      assert.match(link, /^new file mode 120000$/m);
      assert.match(plain, /^new file mode 100644$/m);
      const { groups } = groupChanges([row('acme/link', link), row('acme/plain', plain)]);
      assert.deepEqual(
        groups.map((group) => group.repositories),
        [['acme/link'], ['acme/plain']],
      );
      assert.notEqual(groups[0]!.looseFingerprint, groups[1]!.looseFingerprint, 'not even a variant of it');
    });

    it('the same edit in a file made executable is another change', async () => {
      const files = { 'run.sh': 'echo one\n' };
      const edit = (checkout: string) => writeFile(path.join(checkout, 'run.sh'), 'echo two\n');
      const plain = await patchIn('acme/edit', files, edit);
      const executable = await patchIn('acme/edit-executable', files, async (checkout) => {
        await edit(checkout);
        await run('chmod', ['+x', path.join(checkout, 'run.sh')]);
      });
      assert.match(executable, /^old mode 100644\nnew mode 100755$/m);
      assert.notEqual(
        row('acme/edit', plain).fingerprint.exact,
        row('acme/edit-executable', executable).fingerprint.exact,
      );
    });

    it('a file named "x\\n+hello" is not another file, whatever its lines', async () => {
      const odd = await patchIn('acme/odd-name', { 'README.md': 'a\n' }, (checkout) =>
        writeFile(path.join(checkout, 'x\n+hello'), 'world\n'),
      );
      const plain = await patchIn('acme/plain-name', { 'README.md': 'b\n' }, (checkout) =>
        writeFile(path.join(checkout, 'x'), 'hello\nworld\n'),
      );
      assert.match(odd, /^diff --git "a\/x\\n\+hello" "b\/x\\n\+hello"$/m, 'git quotes the name');
      const { groups } = groupChanges([row('acme/odd-name', odd), row('acme/plain-name', plain)]);
      assert.deepEqual(
        groups.map((group) => group.repositories),
        [['acme/odd-name'], ['acme/plain-name']],
      );
    });

    it('paths are compared as git wrote their bytes: two names that decode alike are two files', async () => {
      // Latin-1 bytes are not UTF-8: both names decode to the same U+FFFD, git's quoting keeps them apart.
      const named = (byte: number) => async (checkout: string) =>
        writeFile(Buffer.concat([Buffer.from(`${checkout}/caf`), Buffer.from([byte])]), 'same\n');
      const [e, a] = await Promise.all([
        patchIn('acme/latin-e', { 'README.md': 'a\n' }, named(0xe9)),
        patchIn('acme/latin-a', { 'README.md': 'b\n' }, named(0xe0)),
      ]);
      assert.match(e, /"b\/caf\\351"/);
      assert.match(a, /"b\/caf\\340"/);
      assert.notEqual(row('a/e', e).fingerprint.exact, row('a/a', a).fingerprint.exact);
    });
  });

  it('leaves whole hunks out so that what is kept applies to the base, as git applies it', async () => {
    const lines = Array.from({ length: 60 }, (_, index) => `line ${index}`);
    const hosted = await hosting.create('acme/hunks', { 'a.txt': `${lines.join('\n')}\n`, 'b.txt': 'keep\n' });
    const patch = await hosted.patchFrom(async (checkout) => {
      const edited = [...lines];
      edited.splice(50, 1, 'fifty', 'fifty and a half');
      edited.splice(25, 1);
      edited.splice(3, 0, 'three', 'more', 'lines');
      await writeFile(path.join(checkout, 'a.txt'), `${edited.join('\n')}\n`);
      await writeFile(path.join(checkout, 'b.txt'), 'changed\n');
    });
    const checkout = await hosting.clone('acme/hunks');
    const kept = [0, 1, 2];
    for (let mask = 1; mask < 8; mask++) {
      const drop = kept.filter((hunk) => mask & (1 << hunk));
      const subset = dropHunks(patch, [{ path: 'a.txt', hunks: drop }]);
      assert.ok(subset.ok);
      const file = path.join(hosting.work, `subset-${mask}.patch`);
      await writeFile(file, subset.patch);
      await git(checkout, 'apply', '--check', file);
      await git(checkout, 'apply', file);
      const applied = (await readFile(path.join(checkout, 'a.txt'), 'utf8')).split('\n');
      await git(checkout, 'checkout', '--', '.');
      // Each hunk kept shows in the result, each dropped does not.
      assert.equal(applied.includes('three'), !drop.includes(0), `mask ${mask}`);
      assert.equal(applied.includes('line 25'), drop.includes(1), `mask ${mask}`);
      assert.equal(applied.includes('fifty'), !drop.includes(2), `mask ${mask}`);
      assert.equal(subset.patch.includes('+changed'), true, 'b.txt is kept');
    }
    // Windows line endings: every kept line keeps its \r.
    const crlf = await hosting.create('acme/crlf', { 'c.txt': `${lines.join('\r\n')}\r\n` });
    const crlfPatch = await crlf.patchFrom(async (checkout) => {
      const edited = lines.map((line, index) => (index === 5 || index === 40 ? `${line} edited` : line));
      await writeFile(path.join(checkout, 'c.txt'), `${edited.join('\r\n')}\r\n`);
    });
    assert.ok(crlfPatch.includes('+line 40 edited\r\n'));
    const crlfSubset = dropHunks(crlfPatch, [{ path: 'c.txt', hunks: [0] }]);
    assert.ok(
      crlfSubset.ok && !crlfSubset.patch.includes('line 5 edited') && crlfSubset.patch.includes('line 40 edited'),
    );
    const crlfCheckout = await hosting.clone('acme/crlf');
    await writeFile(path.join(hosting.work, 'crlf.patch'), crlfSubset.patch);
    await git(crlfCheckout, 'apply', '--check', path.join(hosting.work, 'crlf.patch'));

    const withoutFile = dropHunks(patch, [{ path: 'b.txt' }]);
    assert.ok(withoutFile.ok && !withoutFile.patch.includes('b.txt') && withoutFile.patch.includes('a.txt'));
    assert.deepEqual(dropHunks(patch, [{ path: 'a.txt', hunks: [3] }]), {
      ok: false,
      message: 'a.txt has 3 hunk(s), numbered from 0; there is no hunk 3',
    });
    assert.equal(dropHunks(patch, [{ path: 'c.txt' }]).ok, false);
  });
});
