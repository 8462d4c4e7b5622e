import assert from 'node:assert/strict';
import { artifactKey } from './names';
import {
  artifactFolderOf,
  isRepositoryName,
  lastSegmentOf,
  MAX_NAME_SEGMENTS,
  namespaceOf,
  OWNER_PATTERN,
} from './repositoryNames';
import { RepositoryName } from './schemas';

describe('repository names of two or more segments', () => {
  it('takes owner/name and group/subgroup/project, up to GitLab’s depth', () => {
    for (const name of ['acme/widgets', 'acme/.github', 'acme/platform/widgets', 'g_1/sub.group/x-y/z.js']) {
      assert.ok(isRepositoryName(name), name);
      assert.ok(RepositoryName.safeParse(name).success, name);
    }
    const deepest = [...Array.from({ length: MAX_NAME_SEGMENTS - 1 }, (_, i) => `g${i}`), 'project'].join('/');
    assert.ok(isRepositoryName(deepest));
    assert.equal(isRepositoryName(`g/${deepest}`), false, 'one level deeper than GitLab nests');
  });

  it('refuses what is unsafe as a path, a key or a URL part', () => {
    for (const name of [
      'widgets',
      'acme/',
      '/acme/widgets',
      'acme//widgets',
      'acme/../widgets',
      'acme/..',
      'acme/.',
      '../acme/widgets',
      '.hidden/widgets',
      '-flag/widgets',
      'acme/wid gets',
      'acme/wid\nets',
      'acme~x/widgets',
      `acme/${'a'.repeat(101)}`,
      `${Array.from({ length: 30 }, () => 'a'.repeat(9)).join('/')}`,
    ]) {
      assert.equal(isRepositoryName(name), false, JSON.stringify(name));
    }
    assert.match(RepositoryName.safeParse('acme/widgets.git').error!.issues[0]!.message, /without its \.git suffix/);
  });

  it('names owners as organisations, users, groups and subgroups', () => {
    for (const owner of ['acme', 'acme/platform', 'a_b/c.d']) assert.ok(OWNER_PATTERN.test(owner), owner);
    for (const owner of ['', 'acme/', '../acme', 'acme platform'])
      assert.equal(OWNER_PATTERN.test(owner), false, owner);
  });

  it('splits a name into its namespace and its last segment', () => {
    assert.equal(namespaceOf('acme/platform/widgets'), 'acme/platform');
    assert.equal(lastSegmentOf('acme/platform/widgets'), 'widgets');
    assert.equal(namespaceOf('acme/widgets'), 'acme');
  });

  it('gives every name its own artifact folder, two levels deep, owner/name as before', () => {
    assert.equal(artifactFolderOf('acme/widgets'), 'acme/widgets');
    assert.equal(artifactFolderOf('acme/platform/widgets'), 'acme~platform/widgets');
    // Nested as they are, group/x's second attempt and the project group/x/attempt-2 would share a folder.
    const second = artifactKey('j', 'group/x', 'diff.patch', 2);
    const project = artifactKey('j', 'group/x/attempt-2', 'diff.patch');
    assert.notEqual(second, project);
    assert.equal(project, 'jobs/j/group~x/attempt-2/diff.patch');
    assert.equal(artifactKey('j', 'acme/widgets', 'log.txt'), 'jobs/j/acme/widgets/log.txt');
  });
});
