import assert from 'node:assert/strict';
import { githubCodeOwners, matcher } from './codeOwners';

// GitHub's CODEOWNERS rules, as its documentation gives them (docs.github.com, "About code
// owners"): gitignore-style patterns, the last match wins, `docs/*` is one level only, a line
// without owners takes ownership away, and neither `!` nor `[ ]` patterns count.

describe('GitHub CODEOWNERS', () => {
  const matches = (pattern: string, path: string) => matcher(pattern)?.(path) ?? false;

  it('matches patterns as GitHub does', () => {
    assert.ok(matches('*', 'any/where/file.txt'));
    assert.ok(matches('*.js', 'src/deep/a.js') && !matches('*.js', 'src/a.ts'));
    assert.ok(matches('/build/logs/', 'build/logs/today.log') && !matches('/build/logs/', 'x/build/logs/a.log'));
    assert.ok(matches('apps/', 'apps/a.js') && matches('apps/', 'nested/apps/a.js'));
    assert.ok(matches('docs/*', 'docs/getting-started.md') && !matches('docs/*', 'docs/build-app/troubleshooting.md'));
    assert.ok(matches('**/logs', 'deep/down/logs/a.log') && matches('**/logs', 'logs/a.log'));
    assert.ok(matches('/apps/github', 'apps/github/x.go') && !matches('/apps/github', 'other/apps/github/x.go'));
    assert.ok(matches('src/a.js', 'src/a.js') && !matches('src/a.js', 'lib/src/a.js'));
    assert.ok(matches('a?.txt', 'ab.txt') && !matches('a?.txt', 'a/.txt'));
    assert.equal(matcher('!*.js'), undefined);
    assert.equal(matcher('[ab].js'), undefined);
  });

  it('takes the last matching line, turns org teams into team reviewers, and says what it cannot ask', () => {
    const text = [
      '# comment',
      '*            @everyone',
      '*.js         @alice @acme/js-team @other/ops dev@example.com',
      '/docs/       @writer',
      '/docs/gen/',
      'src/\\#odd.js @hash-owner',
    ].join('\n');
    const owners = githubCodeOwners('acme/widgets', text, ['src/a.js', 'docs/guide.md', 'docs/gen/out.md', 'README']);
    assert.deepEqual(owners.reviewers.sort(), ['alice', 'everyone', 'writer']);
    assert.deepEqual(owners.teamReviewers, ['js-team']);
    assert.deepEqual(owners.notes.sort(), [
      '@other/ops owns src/a.js, but a team of another organisation cannot be asked to review',
      'dev@example.com owns src/a.js, but GitHub asks for reviews by login, not by email',
    ]);
    assert.deepEqual(githubCodeOwners('acme/widgets', text, ['src/#odd.js']).reviewers, ['hash-owner']);
    assert.deepEqual(
      githubCodeOwners('acme/widgets', text, ['docs/gen/out.md']).reviewers,
      [],
      'a line without owners',
    );
  });
});
