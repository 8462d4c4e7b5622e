import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { lstat, mkdir, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeCheckout, type TestCheckout } from '../../../../test/helpers/agent';
import { MAX_FOLDER_ENTRIES, MAX_VIEW_CHARACTERS } from './definitions';
import { Checkout, runTool, type ToolOutcome } from '.';

// The tools on real files: the text editor's documented results and errors, and the two read-only tools.

const EDITOR = 'str_replace_based_edit_tool';

describe('agent tools', () => {
  let repo: TestCheckout;
  let checkout: Checkout;
  const editor = (input: Record<string, unknown>) => runTool(checkout, EDITOR, input);
  /** The editor's str_replace of `old_str` by `new_str` in `path`. */
  const replace = (path: string, old_str: string, new_str: string) =>
    editor({ command: 'str_replace', path, old_str, new_str });
  const ok = (outcome: ToolOutcome) => {
    assert.equal(outcome.isError, false, outcome.content);
    return outcome.content;
  };
  const error = (outcome: ToolOutcome) => {
    assert.equal(outcome.isError, true, `expected an error, got: ${outcome.content}`);
    return outcome.content;
  };
  /** Asserts that the tool refused with exactly `message`. */
  const refuses = async (outcome: Promise<ToolOutcome>, message: string) => assert.equal(error(await outcome), message);

  beforeEach(async () => {
    repo = await makeCheckout({
      'src/a.ts': 'const a = 1;\nconst b = 2;\nconst a2 = 1;\n',
      'src/dup.ts': 'x();\nx();\nx();\n',
      'src/crlf.txt': 'one\r\ntwo\r\nthree\r\n',
      'src/nonewline.txt': 'first\nlast',
      'src/nested/deep/file.ts': 'deep\n',
      '.gitignore': 'build/\n*.log\n',
      'build/out.js': 'const a = 1;\n',
      'debug.log': 'const a = 1;\n',
      'README.md': '# Title\n',
    });
    await writeFile(path.join(repo.checkout, 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x01]));
    await writeFile(path.join(repo.checkout, 'latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
    checkout = await Checkout.open(repo.checkout);
  });
  afterEach(() => repo.dispose());

  describe('str_replace', () => {
    it('needs exactly one match, with the documented errors for none and several', async () => {
      await refuses(
        replace('src/dup.ts', 'x();', 'y();'),
        'Error: Found 3 matches for replacement text. Please provide more context to make a unique match.',
      );
      await refuses(
        replace('src/a.ts', 'const c = 3;', ''),
        'Error: No match found for replacement. Please check your text and try again.',
      );
      assert.equal(error(await replace('src/missing.ts', 'x', 'y')), 'Error: File not found');
      assert.equal(await repo.read('src/dup.ts'), 'x();\nx();\nx();\n', 'a refused edit changes nothing');
    });

    it('says where a match would be if only the indentation differs', async () => {
      const message = error(await replace('src/a.ts', '    const b = 2;', 'const b = 3;'));
      assert.match(message, /No match found.*starts at line 2/);
    });

    it('replaces, deletes with an empty new_str, and shows the edited lines', async () => {
      const replaced = ok(await replace('src/a.ts', 'const b = 2;', 'const b = 3;\nconst c = 4;'));
      assert.equal(
        replaced,
        'Successfully replaced text at exactly one location.\n\nLines 1-4 of src/a.ts now read:\n1: const a = 1;\n2: const b = 3;\n3: const c = 4;\n4: const a2 = 1;',
      );
      ok(await replace('src/a.ts', 'const c = 4;\n', ''));
      assert.equal(await repo.read('src/a.ts'), 'const a = 1;\nconst b = 3;\nconst a2 = 1;\n');
    });

    it('keeps CRLF line endings', async () => {
      ok(await replace('src/crlf.txt', 'one\ntwo', 'one\n1.5\ntwo'));
      assert.equal(await repo.read('src/crlf.txt'), 'one\r\n1.5\r\ntwo\r\nthree\r\n');
    });

    it('refuses binary files and files that are not UTF-8', async () => {
      assert.match(
        error(await replace('logo.png', 'PNG', 'JPG')),
        /logo\.png is a binary file \(7 bytes\); the editor works on text files only/,
      );
      assert.match(error(await replace('latin1.txt', 'caf', 'tea')), /not valid UTF-8/);
      assert.deepEqual([...(await readFile(path.join(repo.checkout, 'latin1.txt')))], [0x63, 0x61, 0x66, 0xe9, 0x0a]);
    });
  });

  describe('insert', () => {
    it('inserts after a line, at the beginning (0) and at the end', async () => {
      ok(await editor({ command: 'insert', path: 'src/a.ts', insert_line: 1, new_str: '// after one\n' }));
      ok(await editor({ command: 'insert', path: 'src/a.ts', insert_line: 0, new_str: '// top' }));
      const end = ok(await editor({ command: 'insert', path: 'src/a.ts', insert_line: 5, new_str: '// end' }));
      assert.match(end, /^Successfully inserted 1 line after line 5\./);
      assert.equal(
        await repo.read('src/a.ts'),
        '// top\nconst a = 1;\n// after one\nconst b = 2;\nconst a2 = 1;\n// end\n',
      );
    });

    it('keeps a file without a final newline that way', async () => {
      ok(await editor({ command: 'insert', path: 'src/nonewline.txt', insert_line: 1, new_str: 'middle' }));
      assert.equal(await repo.read('src/nonewline.txt'), 'first\nmiddle\nlast');
    });

    it('refuses a line past the end', async () => {
      await refuses(
        editor({ command: 'insert', path: 'src/a.ts', insert_line: 4, new_str: 'x' }),
        'Error: insert_line 4 is out of range: src/a.ts has 3 lines, so use 0 (the beginning) to 3 (the end).',
      );
    });
  });

  describe('create', () => {
    it('creates folders as needed and overwrites an existing file, saying which', async () => {
      assert.equal(
        ok(await editor({ command: 'create', path: 'a/b/c/new.md', file_text: 'new\n' })),
        'File created successfully at: a/b/c/new.md',
      );
      assert.equal(
        ok(await editor({ command: 'create', path: 'README.md', file_text: '# New\n' })),
        'File overwritten successfully at: README.md',
      );
      assert.equal(await repo.read('a/b/c/new.md'), 'new\n');
      assert.equal(await repo.read('README.md'), '# New\n');
    });

    it('refuses a folder as the path, and a path through a file', async () => {
      assert.match(error(await editor({ command: 'create', path: 'src', file_text: 'x' })), /src is a folder/);
      assert.match(
        error(await editor({ command: 'create', path: 'README.md/x.txt', file_text: 'x' })),
        /"README.md" is not a folder/,
      );
    });
  });

  describe('view', () => {
    it('refuses a large file as a whole with a message to use view_range or search, and serves a range of it', async () => {
      const lines = Array.from({ length: 20_000 }, (_, index) => `line ${index + 1} ${'x'.repeat(20)}`);
      await writeFile(path.join(repo.checkout, 'big.txt'), `${lines.join('\n')}\n`);
      const refused = error(await editor({ command: 'view', path: 'big.txt' }));
      assert.equal(
        refused,
        'Error: big.txt is 614.2 KB (20000 lines), too large to view whole. View part of it with view_range, e.g. [1, 200], or find the lines you need with search_files.',
      );
      const part = ok(await editor({ command: 'view', path: 'big.txt', view_range: [19_999, -1] }));
      assert.equal(part, `19999: line 19999 ${'x'.repeat(20)}\n20000: line 20000 ${'x'.repeat(20)}`);
    });

    it(`cuts a long view at ${MAX_VIEW_CHARACTERS} characters and says how to see the rest`, async () => {
      const lines = Array.from({ length: 3000 }, (_, index) => `${index + 1} ${'y'.repeat(40)}`);
      await writeFile(path.join(repo.checkout, 'long.txt'), lines.join('\n'));
      const view = ok(await editor({ command: 'view', path: 'long.txt' }));
      assert.ok(view.length < MAX_VIEW_CHARACTERS + 300);
      const [, shownUpTo, total] = /after line (\d+) of (\d+)\. View the rest with view_range/.exec(view) ?? [];
      assert.equal(total, '3000');
      assert.ok(view.includes(`\n${shownUpTo}: ${shownUpTo} `));
      assert.ok(!view.includes(`\n${Number(shownUpTo) + 1}: `));
    });

    it('refuses binary files and bad ranges, and shows empty files', async () => {
      assert.match(error(await editor({ command: 'view', path: 'logo.png' })), /binary file/);
      assert.match(
        error(await editor({ command: 'view', path: 'src/a.ts', view_range: [5, 6] })),
        /has 3 lines; the first number must be from 1 to 3/,
      );
      assert.match(
        error(await editor({ command: 'view', path: 'src/a.ts', view_range: [3, 2] })),
        /at least the first, or -1/,
      );
      await writeFile(path.join(repo.checkout, 'empty.txt'), '');
      assert.equal(ok(await editor({ command: 'view', path: 'empty.txt' })), '(empty.txt is empty)');
    });

    it('refuses unknown commands and bad input with a message', async () => {
      await refuses(
        editor({ command: 'undo_edit', path: 'src/a.ts' }),
        'Error: unknown command "undo_edit". Use one of: view, create, str_replace, insert.',
      );
      assert.match(error(await editor({ command: 'view' })), /invalid input for view: path/);
      assert.match(error(await runTool(checkout, 'bash', { command: 'ls' })), /there is no tool named "bash"/);
    });
  });

  describe('paths', () => {
    it('follows a link that stays inside the checkout, and refuses one that leaves it', async () => {
      await symlink('nested/deep', path.join(repo.checkout, 'src/shortcut'));
      assert.equal(ok(await editor({ command: 'view', path: 'src/shortcut/file.ts' })), '1: deep');
      await symlink(repo.outside, path.join(repo.checkout, 'src/out'));
      assert.match(
        error(await editor({ command: 'view', path: 'src/out/secret.txt' })),
        /through the symbolic link "src\/out"/,
      );
      assert.match(error(await editor({ command: 'view', path: 'src/../..' })), /outside the repository/);
      assert.match(error(await editor({ command: 'view', path: '' })), /`path` is required/);
    });
  });

  describe('delete_file', () => {
    const remove = (input: Record<string, unknown>) => runTool(checkout, 'delete_file', input);

    it('deletes a file, an empty folder, and a folder with its contents only when asked', async () => {
      assert.equal(ok(await remove({ path: 'src/dup.ts' })), 'File deleted successfully: src/dup.ts');
      await assert.rejects(lstat(path.join(repo.checkout, 'src/dup.ts')));
      await mkdir(path.join(repo.checkout, 'empty'));
      assert.equal(ok(await remove({ path: 'empty/' })), 'Folder deleted successfully: empty');

      await refuses(
        remove({ path: 'src/nested' }),
        'Error: src/nested is a folder holding 1 file and 1 folder. Pass recursive: true to delete it with everything in it, or delete what it holds one by one.',
      );
      assert.equal(await repo.read('src/nested/deep/file.ts'), 'deep\n', 'a refused delete changes nothing');
      assert.equal(
        ok(await remove({ path: 'src/nested', recursive: true })),
        'Folder deleted successfully: src/nested (with the 1 file and 1 folder it held)',
      );
      await assert.rejects(lstat(path.join(repo.checkout, 'src/nested')));
      assert.equal(error(await remove({ path: 'src/nested' })), 'Error: src/nested does not exist.');
      assert.match(error(await remove({ path: 'src/a.ts', recursive: 'yes' })), /^Error: invalid input: recursive/);
    });

    it('deletes a link as a link, and never anything outside the checkout, the root or .git', async () => {
      await symlink(repo.outside, path.join(repo.checkout, 'out-link'));
      await symlink(path.join(repo.outside, 'secret.txt'), path.join(repo.checkout, 'src/secret-link'));
      const before = await repo.outsideSnapshot();
      assert.match(error(await remove({ path: 'out-link/secret.txt' })), /through the symbolic link "out-link"/);
      assert.match(error(await remove({ path: '../outside/secret.txt' })), /outside the repository/);
      assert.match(error(await remove({ path: path.join(repo.outside, 'secret.txt') })), /absolute paths are refused/);
      assert.match(error(await remove({ path: '.git/config' })), /\.git\//);
      assert.match(error(await remove({ path: '.git', recursive: true })), /\.git\//);
      assert.match(error(await remove({ path: '.', recursive: true })), /the repository root itself cannot be deleted/);
      assert.match(
        error(await remove({ path: 'src/..', recursive: true })),
        /the repository root itself cannot be deleted/,
      );
      assert.equal(
        ok(await remove({ path: 'out-link', recursive: true })),
        'Symbolic link deleted successfully: out-link (what it pointed to is untouched)',
      );
      assert.equal(
        ok(await remove({ path: 'src', recursive: true })),
        'Folder deleted successfully: src (with the 5 files, 2 folders and 1 symbolic link it held)',
      );
      assert.deepEqual(await repo.outsideSnapshot(), before, 'the folder outside the checkout is untouched');
      await stat(path.join(repo.checkout, '.git/config'));
    });

    it('refuses a folder that holds a Git repository, and one too large to delete at once', async () => {
      await mkdir(path.join(repo.checkout, 'vendor/lib/.git'), { recursive: true });
      await refuses(
        remove({ path: 'vendor', recursive: true }),
        'Error: vendor holds vendor/lib/.git, a Git folder, which the tools may not change.',
      );
      await stat(path.join(repo.checkout, 'vendor/lib/.git'));
      await mkdir(path.join(repo.checkout, 'big'));
      for (let index = 0; index <= MAX_FOLDER_ENTRIES; index++)
        await writeFile(path.join(repo.checkout, `big/${index}.txt`), '');
      assert.match(
        error(await remove({ path: 'big', recursive: true })),
        /^Error: big holds more than 10000 files and folders, too many to handle at once/,
      );
      assert.equal((await readdir(path.join(repo.checkout, 'big'))).length, MAX_FOLDER_ENTRIES + 1);
    });
  });

  describe('move_file', () => {
    const move = (input: Record<string, unknown>) => runTool(checkout, 'move_file', input);

    it('renames a file into a new folder, and a folder with what it holds', async () => {
      assert.equal(
        ok(await move({ source: 'src/a.ts', destination: 'lib/v2/a.mts' })),
        'File moved successfully from src/a.ts to lib/v2/a.mts.',
      );
      assert.equal(await repo.read('lib/v2/a.mts'), 'const a = 1;\nconst b = 2;\nconst a2 = 1;\n');
      await assert.rejects(lstat(path.join(repo.checkout, 'src/a.ts')));
      assert.equal(
        ok(await move({ source: 'src/nested', destination: 'nested' })),
        'Folder moved successfully from src/nested to nested (with the 1 file and 1 folder it holds).',
      );
      assert.equal(await repo.read('nested/deep/file.ts'), 'deep\n');
    });

    it('replaces an existing file only when asked, and refuses folders as destinations and moves into themselves', async () => {
      await refuses(
        move({ source: 'src/dup.ts', destination: 'README.md' }),
        'Error: README.md already exists. Pass overwrite: true to replace it, or choose another destination.',
      );
      assert.equal(await repo.read('README.md'), '# Title\n');
      assert.equal(
        ok(await move({ source: 'src/dup.ts', destination: 'README.md', overwrite: true })),
        'File moved successfully from src/dup.ts to README.md, replacing the file that was there.',
      );
      assert.equal(await repo.read('README.md'), 'x();\nx();\nx();\n');
      await refuses(
        move({ source: 'README.md', destination: 'src' }),
        'Error: src is an existing folder. Give the full new path, name included, such as src/README.md.',
      );
      await refuses(
        move({ source: 'src', destination: 'src/inner/src' }),
        'Error: the folder src cannot be moved into itself (src/inner/src).',
      );
      await refuses(
        move({ source: 'src/crlf.txt', destination: './src/crlf.txt' }),
        'Error: src/crlf.txt and src/crlf.txt are the same path; nothing to move.',
      );
      await refuses(move({ source: 'src/missing.ts', destination: 'x.ts' }), 'Error: src/missing.ts does not exist.');
      assert.match(error(await move({ source: 'src/crlf.txt' })), /^Error: invalid input: destination/);
    });

    it('never moves anything into or out of the checkout or .git, and never leaves a link pointing out', async () => {
      await symlink(repo.outside, path.join(repo.checkout, 'out-link'));
      await symlink('../../../outside', path.join(repo.checkout, 'src/nested/up'));
      const before = await repo.outsideSnapshot();
      assert.match(error(await move({ source: 'src/a.ts', destination: '../outside/a.ts' })), /outside the repository/);
      assert.match(
        error(await move({ source: '../outside/secret.txt', destination: 'secret.txt' })),
        /outside the repository/,
      );
      assert.match(error(await move({ source: 'src/a.ts', destination: '/tmp/a.ts' })), /absolute paths are refused/);
      assert.match(
        error(await move({ source: 'out-link/secret.txt', destination: 'secret.txt' })),
        /through the symbolic link "out-link"/,
      );
      assert.match(
        error(await move({ source: 'src/a.ts', destination: 'out-link/a.ts' })),
        /through the symbolic link "out-link"/,
      );
      assert.match(error(await move({ source: 'src/a.ts', destination: '.git/hooks/pre-commit' })), /\.git\//);
      assert.match(error(await move({ source: '.git/config', destination: 'config' })), /\.git\//);
      // src/nested/up leads to the checkout's parent's sibling folder only from three levels down.
      await refuses(
        move({ source: 'src/nested', destination: 'nested' }),
        'Error: after this move the symbolic link nested/up (to "../../../outside") would point outside the repository, which the tools may not do. Move it somewhere else, or change it.',
      );
      assert.match(
        error(await move({ source: 'src/nested/up', destination: 'up' })),
        /symbolic link up \(to "\.\.\/\.\.\/\.\.\/outside"\) would point outside/,
      );
      assert.equal(
        ok(await move({ source: 'out-link', destination: 'links/out' })),
        'Symbolic link moved successfully from out-link to links/out.',
      );
      assert.equal(
        await readlink(path.join(repo.checkout, 'links/out')),
        repo.outside,
        'an absolute link points where it did',
      );
      assert.deepEqual(await repo.outsideSnapshot(), before);
      assert.equal(await repo.read('src/a.ts'), 'const a = 1;\nconst b = 2;\nconst a2 = 1;\n');
    });
  });

  describe('list_files', () => {
    it('lists tracked and new files, honouring .gitignore, under a folder and by glob', async () => {
      ok(await editor({ command: 'create', path: 'src/brand-new.ts', file_text: 'new\n' }));
      const all = ok(await runTool(checkout, 'list_files', {}));
      assert.equal(
        all,
        '10 files in the repository:\n.gitignore\nREADME.md\nlatin1.txt\nlogo.png\nsrc/a.ts\nsrc/brand-new.ts\nsrc/crlf.txt\nsrc/dup.ts\nsrc/nested/deep/file.ts\nsrc/nonewline.txt',
      );
      assert.equal(
        ok(await runTool(checkout, 'list_files', { path: 'src', glob: '*.ts' })),
        '4 files in src/ matching *.ts:\nsrc/a.ts\nsrc/brand-new.ts\nsrc/dup.ts\nsrc/nested/deep/file.ts',
      );
      assert.equal(
        ok(await runTool(checkout, 'list_files', { glob: 'src/*.txt' })),
        '2 files in the repository matching src/*.txt:\nsrc/crlf.txt\nsrc/nonewline.txt',
      );
      assert.match(
        ok(await runTool(checkout, 'list_files', { glob: '*.java' })),
        /^No files in the repository matching \*\.java/,
      );
      assert.match(error(await runTool(checkout, 'list_files', { path: 'nowhere' })), /nowhere does not exist/);
    });

    it('caps a long listing and says how to narrow it', async () => {
      for (let index = 0; index < 1100; index++)
        await writeFile(path.join(repo.checkout, `src/gen-${index}.txt`), 'x\n');
      const listing = ok(await runTool(checkout, 'list_files', {}));
      assert.equal(listing.split('\n').length, 1 + 1000 + 1);
      assert.match(listing, /\n\[109 more files not shown \(1109 in all\); narrow with path or glob\.\]$/);
    });

    it('refuses at once a glob whose braces expand to too many patterns', async () => {
      for (let index = 0; index < 200; index++)
        await writeFile(path.join(repo.checkout, `src/gen-${index}.txt`), 'x\n');
      const refusal =
        'Error: the glob "{1..100000}" expands to more than 256 patterns; brace lists and ranges multiply. Use fewer alternatives, or a wildcard such as "*.ts".';
      assert.equal(error(await runTool(checkout, 'list_files', { glob: '{1..100000}' })), refusal);
      assert.equal(error(await runTool(checkout, 'search_files', { pattern: 'x', glob: '{1..100000}' })), refusal);
      assert.equal(
        ok(await runTool(checkout, 'list_files', { glob: 'gen-{1..3}.txt' })),
        '3 files in the repository matching gen-{1..3}.txt:\nsrc/gen-1.txt\nsrc/gen-2.txt\nsrc/gen-3.txt',
      );
    });

    it('matches the glob in the time-limited thread: one that backtracks is stopped while timers run', async () => {
      await writeFile(path.join(repo.checkout, 'a'.repeat(60)), 'x\n');
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 20);
      try {
        const stopped = error(
          await runTool(checkout, 'list_files', { glob: '*a*a*a*a*a*a*a*a*a*a*a*b' }, { searchTimeLimitMs: 1000 }),
        );
        assert.equal(
          stopped,
          'Error: the listing was stopped after 1 s: matching the glob took too long. Simplify the glob (fewer * in one name), or narrow the listing with path.',
        );
        assert.ok(ticks > 0, 'timers ran while the glob was being matched (heartbeats go on)');
      } finally {
        clearInterval(ticker);
      }
    });

    it("runs no program the checkout's git config names (core.fsmonitor)", async () => {
      // A verify command (the repository's own code) can rewrite the checkout's git config; the
      // listing's git must not then run its fsmonitor with the worker's environment.
      const marker = path.join(repo.outside, 'fsmonitor-ran');
      const monitor = path.join(repo.outside, 'monitor.sh');
      await writeFile(monitor, `#!/bin/sh\nenv > "${marker}"\n`, { mode: 0o755 });
      execFileSync('git', ['config', 'core.fsmonitor', monitor], { cwd: repo.checkout });
      ok(await runTool(checkout, 'list_files', {}));
      ok(await runTool(checkout, 'search_files', { pattern: 'const' }));
      ok(await editor({ command: 'view', path: 'src' }));
      await assert.rejects(stat(marker), /ENOENT/);
    });

    it("lists what the repository holds whatever the user's global git config says", async () => {
      // On the local stack ~/.gitconfig is the developer's: its excludesFile (or fsmonitor) must not
      // change what Claude sees, or the same job would differ from one machine to the next.
      const home = path.join(repo.outside, 'home');
      await mkdir(home, { recursive: true });
      await writeFile(path.join(home, 'excludes'), '*.ts\n');
      await writeFile(path.join(home, '.gitconfig'), `[core]\n\texcludesFile = ${path.join(home, 'excludes')}\n`);
      await writeFile(path.join(repo.checkout, 'src', 'untracked.ts'), 'export {};\n');
      const savedHome = process.env.HOME;
      process.env.HOME = home;
      try {
        assert.match(ok(await runTool(checkout, 'list_files', {})), /src\/untracked\.ts/);
      } finally {
        process.env.HOME = savedHome;
      }
    });

    it('works in a folder that is not a git repository', async () => {
      const plain = await makeCheckout(
        { 'a.txt': 'a\n', 'node_modules/x/index.js': 'x\n', 'sub/b.txt': 'b\n' },
        { git: false },
      );
      try {
        const listing = ok(await runTool(await Checkout.open(plain.checkout), 'list_files', {}));
        assert.equal(listing, '2 files in the repository:\na.txt\nsub/b.txt');
      } finally {
        await plain.dispose();
      }
    });
  });

  describe('search_files', () => {
    it('answers path:line:text, honouring .gitignore and skipping binary files', async () => {
      assert.equal(
        ok(await runTool(checkout, 'search_files', { pattern: 'const a2? = 1' })),
        'src/a.ts:1:const a = 1;\nsrc/a.ts:3:const a2 = 1;',
      );
      assert.equal(ok(await runTool(checkout, 'search_files', { pattern: 'PNG' })), 'No matches for /PNG/ in 9 files.');
      assert.equal(
        ok(await runTool(checkout, 'search_files', { pattern: 'TWO', case_insensitive: true, glob: '*.txt' })),
        'src/crlf.txt:2:two',
      );
      assert.equal(
        ok(await runTool(checkout, 'search_files', { pattern: 'deep', path: 'src/nested' })),
        'src/nested/deep/file.ts:1:deep',
      );
      assert.equal(
        ok(await runTool(checkout, 'search_files', { pattern: 'x', path: 'src/dup.ts' })),
        'src/dup.ts:1:x();\nsrc/dup.ts:2:x();\nsrc/dup.ts:3:x();',
      );
    });

    it('caps the matches and refuses an invalid pattern', async () => {
      await writeFile(path.join(repo.checkout, 'many.txt'), 'hit\n'.repeat(250));
      const result = ok(await runTool(checkout, 'search_files', { pattern: '^hit$' }));
      assert.equal(result.split('\n').length, 201);
      assert.match(
        result,
        /\[50 more matches not shown \(250 in all\); narrow with path, glob or a more specific pattern\.\]$/,
      );
      assert.match(
        error(await runTool(checkout, 'search_files', { pattern: '(' })),
        /^Error: invalid regular expression/,
      );
    });

    it('skips files over 2 MB and says so', async () => {
      await writeFile(path.join(repo.checkout, 'src/huge.txt'), `needle\n${'x'.repeat(2 * 1024 * 1024)}\n`);
      await writeFile(path.join(repo.checkout, 'src/small.txt'), 'needle\n');
      assert.equal(
        ok(await runTool(checkout, 'search_files', { pattern: 'needle' })),
        'src/small.txt:1:needle\n[1 file over 2 MB not searched.]',
      );
    });

    it('counts its time from when the search starts, so a busy process does not cut it before the first file', async () => {
      // On a loaded machine the tool's own process may not run for a while between the call and the
      // search thread's start; that wait must not spend the search's time (it answered "0 files").
      const searching = runTool(checkout, 'search_files', { pattern: 'const a2? = 1' }, { searchTimeLimitMs: 1000 });
      const busyUntil = Date.now() + 1500;
      while (Date.now() < busyUntil) {
        // this process is starved: nothing else of it runs
      }
      assert.equal(ok(await searching), 'src/a.ts:1:const a = 1;\nsrc/a.ts:3:const a2 = 1;');
    });

    it('stops a pattern that backtracks for ever without blocking the event loop, and searches on afterwards', async () => {
      await writeFile(path.join(repo.checkout, 'src/long.txt'), `${'a'.repeat(3000)}b\n`);
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 20);
      try {
        const stopped = error(
          await runTool(checkout, 'search_files', { pattern: '(a+)+$', path: 'src' }, { searchTimeLimitMs: 1000 }),
        );
        assert.equal(
          stopped,
          'Error: the search was stopped after 1 s: the pattern took too long. Nested quantifiers such as (a+)+ or (.*)* can backtrack for ever on long lines; simplify the pattern, or narrow the search with path or glob.',
        );
        assert.ok(ticks > 0, 'timers ran while the pattern was being matched (heartbeats go on)');
      } finally {
        clearInterval(ticker);
      }
      assert.equal(
        ok(await runTool(checkout, 'search_files', { pattern: 'a+b$', path: 'src/long.txt' })),
        `src/long.txt:1:${'a'.repeat(300)}…`,
      );
    });

    it('does not read tracked files through a folder that became a link out of the checkout', async () => {
      // The index still lists src/nested/deep/file.ts; the folder on the way is now a link to outside/.
      await mkdir(path.join(repo.outside, 'deep'));
      await writeFile(path.join(repo.outside, 'deep', 'file.ts'), 'outside secret\n');
      await rm(path.join(repo.checkout, 'src/nested'), { recursive: true });
      await symlink(repo.outside, path.join(repo.checkout, 'src/nested'));
      assert.match(ok(await runTool(checkout, 'search_files', { pattern: 'outside secret' })), /^No matches/);
      assert.doesNotMatch(ok(await runTool(checkout, 'list_files', {})), /deep\/file\.ts/);
    });

    it('skips FIFOs, tracked or not, and the editor refuses them, without hanging', async function () {
      // Opening a FIFO waits for a writer: a search that opened one would never end.
      this.timeout(15_000);
      await rm(path.join(repo.checkout, 'src/dup.ts'));
      execFileSync('mkfifo', [path.join(repo.checkout, 'src/dup.ts'), path.join(repo.checkout, 'src/pipe')]);
      const options = { searchTimeLimitMs: 5000 };
      assert.equal(
        ok(await runTool(checkout, 'search_files', { pattern: 'x\\(\\)|deep' }, options)),
        'src/nested/deep/file.ts:1:deep',
      );
      await refuses(
        runTool(checkout, 'search_files', { pattern: 'x', path: 'src/dup.ts' }, options),
        'Error: src/dup.ts is not a regular file; give a folder or a file.',
      );
      const listing = ok(await runTool(checkout, 'list_files', { path: 'src' }, options));
      assert.doesNotMatch(listing, /dup\.ts|pipe/);
      assert.doesNotMatch(ok(await editor({ command: 'view', path: 'src' })), /dup\.ts|pipe/);
      for (const input of [
        { command: 'view', path: 'src/dup.ts' },
        { command: 'view', path: 'src/pipe', view_range: [1, 2] },
        { command: 'create', path: 'src/pipe', file_text: 'x' },
        { command: 'str_replace', path: 'src/pipe', old_str: 'x', new_str: 'y' },
        { command: 'insert', path: 'src/dup.ts', insert_line: 0, new_str: 'y' },
      ]) {
        assert.match(error(await editor(input)), /is not a regular file/);
      }

      const plain = await makeCheckout({ 'a.txt': 'needle\n' }, { git: false });
      try {
        execFileSync('mkfifo', [path.join(plain.checkout, 'fifo.txt')]);
        const plainCheckout = await Checkout.open(plain.checkout);
        assert.equal(
          ok(await runTool(plainCheckout, 'search_files', { pattern: 'needle' }, options)),
          'a.txt:1:needle',
        );
        assert.equal(ok(await runTool(plainCheckout, 'list_files', {}, options)), '1 file in the repository:\na.txt');
      } finally {
        await plain.dispose();
      }
    });

    it('does not read through a tracked link to a file outside', async () => {
      await symlink(path.join(repo.outside, 'secret.txt'), path.join(repo.checkout, 'innocent.txt'));
      assert.match(ok(await runTool(checkout, 'search_files', { pattern: 'outside secret' })), /^No matches/);
    });
  });
});
