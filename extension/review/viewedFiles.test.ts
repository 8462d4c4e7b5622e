import assert from 'node:assert/strict';
import { ViewedFiles, type KeyValueStore, type ViewedScope } from './viewedFiles';

// Viewed files as VS Code's global state keeps them: a Memento is JSON, kept across windows.

function memento(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    get: <T>(key: string) => (data.has(key) ? (JSON.parse(data.get(key)!) as T) : undefined),
    update: async (key: string, value: unknown) => void data.set(key, JSON.stringify(value)),
  };
}

const PATCH = 'diff --git a/a.txt b/a.txt\n';
const scope: ViewedScope = {
  reviewer: 'http://127.0.0.1:7878 token',
  jobId: 'job-1',
  repositoryName: 'acme/widgets',
  attempt: 1,
  patch: PATCH,
};

describe('viewed files', () => {
  it('persist per reviewer, repository, attempt and patch', async () => {
    const store = memento();
    await new ViewedFiles(store).set(scope, 'a.txt', true);
    await new ViewedFiles(store).set(scope, 'b.txt', true);
    // Another instance over the same store: a reload of the window.
    const again = new ViewedFiles(store);
    assert.deepEqual(again.get(scope), ['a.txt', 'b.txt']);
    assert.deepEqual(again.get({ ...scope, reviewer: 'https://api.example.com aws' }), [], 'another reviewer');
    assert.deepEqual(again.get({ ...scope, repositoryName: 'acme/gadgets' }), [], 'another repository');
    assert.deepEqual(again.get({ ...scope, attempt: 2 }), [], 'a new attempt starts over');
    assert.deepEqual(again.get({ ...scope, patch: `${PATCH}changed` }), [], 'another patch starts over');
    await again.set(scope, 'a.txt', false);
    assert.deepEqual(new ViewedFiles(store).get(scope), ['b.txt']);
  });

  it('forgets the repositories changed longest ago past its bound', async () => {
    const store = memento();
    let clock = 0;
    const viewed = new ViewedFiles(store, 2, () => ++clock);
    for (const name of ['acme/a', 'acme/b', 'acme/c']) await viewed.set({ ...scope, repositoryName: name }, 'x', true);
    assert.deepEqual(viewed.get({ ...scope, repositoryName: 'acme/a' }), []);
    assert.deepEqual(viewed.get({ ...scope, repositoryName: 'acme/c' }), ['x']);
  });

  it('reads a damaged state as nothing viewed', () => {
    const store = memento();
    store.data.set('codyBatch.viewedFiles', JSON.stringify({ broken: { paths: 'no' }, other: null }));
    assert.deepEqual(new ViewedFiles(store).get(scope), []);
  });
});
