import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../test/helpers/localStack';

// What `npm run package` puts in the vsix: the bundles, the icon, the manifest and the extension's
// own README (the page the Extensions view shows), nothing of the repository's sources or docs.
// `vsce ls` lists the files `vsce package` takes, with the same ignore file and readme option.

const run = promisify(execFile);

describe('the packaged extension', function () {
  this.timeout(60_000);

  it('holds only the bundles, the icon, the manifest and extension/README.md', async () => {
    const manifest = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const readme = /--readme-path (\S+)/.exec(manifest.scripts.package!)?.[1];
    assert.equal(
      readme,
      'extension/README.md',
      'npm run package ships the extension’s README, not the developer README',
    );
    const { stdout } = await run(
      process.execPath,
      [path.join(REPO_ROOT, 'node_modules/@vscode/vsce/vsce'), 'ls', '--no-dependencies', '--readme-path', readme],
      { cwd: REPO_ROOT },
    );
    assert.deepEqual(stdout.trim().split('\n').sort(), [
      'dist/extension.js',
      'dist/webviews/codicon.ttf',
      'dist/webviews/codicons.css',
      'dist/webviews/compose.css',
      'dist/webviews/compose.js',
      'dist/webviews/createJob.css',
      'dist/webviews/createJob.js',
      'dist/webviews/diff.css',
      'dist/webviews/diff.js',
      'dist/webviews/nameEngine.js',
      'dist/webviews/overview.css',
      'dist/webviews/overview.js',
      'dist/webviews/thread.css',
      'dist/webviews/thread.js',
      'extension/README.md',
      'media/cody-batch.svg',
      'package.json',
    ]);
  });

  it('has a README that names every command and setting, with no relative links or images (they break in the Extensions view)', async () => {
    const text = await readFile(path.join(REPO_ROOT, 'extension/README.md'), 'utf8');
    const targets = [
      ...text.matchAll(/!?\[[^\]]*\]\(([^)\s]+)[^)]*\)/g),
      ...text.matchAll(/<img[^>]+src=["']([^"']+)/g),
    ].map((match) => match[1]!);
    assert.deepEqual(
      targets.filter((target) => !/^(https:|#)/.test(target)),
      [],
    );
    const { contributes } = JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      contributes: {
        commands: { command: string; title: string }[];
        configuration: { properties: Record<string, unknown> };
      };
    };
    // Load More is the tree's own row, hidden from the palette.
    const commands = contributes.commands.filter((command) => command.command !== 'codyBatch.loadMore');
    assert.deepEqual(
      commands.filter((command) => !text.includes(`| ${command.title} |`)).map((command) => command.title),
      [],
      'commands missing from the table',
    );
    assert.deepEqual(
      Object.keys(contributes.configuration.properties).filter((setting) => !text.includes(`| \`${setting}\` |`)),
      [],
      'settings missing from the table',
    );
  });
});
