import assert from 'node:assert/strict';
import { artifactKey } from '../../../common/names';
import { type OpenArtifactStore, openArtifactStore } from '../../../test/helpers/artifacts';
import type { ArtifactStore } from '.';

// One suite, run against both implementations: a folder, and S3 through the real SDK client
// against a loopback S3-compatible server (s3rver), both from test/helpers/artifacts.ts.

const implementations: { name: string; open(): Promise<OpenArtifactStore> }[] = [
  { name: 'FolderArtifactStore', open: () => openArtifactStore('folder') },
  { name: 'S3ArtifactStore (s3rver)', open: () => openArtifactStore('s3') },
];

for (const implementation of implementations) {
  describe(`artifact store: ${implementation.name}`, () => {
    let store: ArtifactStore;
    let close: () => Promise<void>;
    const jobId = '01m8hh1rwgnr9p2a6k5x32xmdr';
    const diffKey = artifactKey(jobId, 'acme/widgets', 'diff.patch');

    before(async () => {
      ({ store, close } = await implementation.open());
    });
    after(async () => {
      await close?.();
    });

    it('stores and returns an artifact byte for byte, with its content type', async () => {
      const patch = Buffer.concat([Buffer.from('diff --git a/x b/x\n+héllo\n'), Buffer.from([0, 255, 10])]);
      await store.put(diffKey, patch, 'text/x-diff');
      const stored = await store.get(diffKey);
      assert.ok(stored);
      assert.deepEqual(stored.body, patch);
      assert.match(stored.contentType, /^text\/x-diff/);
      assert.equal(await store.size(diffKey), patch.length);
    });

    it('overwrites: the last save of thread.json wins', async () => {
      const key = artifactKey(jobId, 'acme/widgets', 'thread.json');
      await store.put(key, '{"messages":[1]}', 'application/json');
      await store.put(key, '{"messages":[1,2]}', 'application/json');
      assert.equal((await store.get(key))?.body.toString(), '{"messages":[1,2]}');
    });

    it('answers undefined for what does not exist', async () => {
      const missing = artifactKey(jobId, 'acme/nothing', 'log.txt');
      assert.equal(await store.get(missing), undefined);
      assert.equal(await store.size(missing), undefined);
    });

    it('refuses keys that could escape their prefix', async () => {
      await assert.rejects(store.put('jobs/../../etc/passwd', 'x', 'text/plain'), /Unsafe artifact key/);
      await assert.rejects(store.get('/etc/passwd'), /Unsafe artifact key/);
    });

    it('deletes everything under a job prefix, and only that', async () => {
      const other = artifactKey('01m8hh1rwgnr9p2a6k5x32xmds', 'acme/widgets', 'log.txt');
      await store.put(other, 'keep me', 'text/plain');
      await store.deletePrefix(`jobs/${jobId}/`);
      assert.equal(await store.get(diffKey), undefined);
      assert.equal((await store.get(other))?.body.toString(), 'keep me');
    });

    if (implementation.name.startsWith('S3')) {
      it('presigns a URL that downloads the artifact without credentials', async () => {
        await store.put(diffKey, 'a large diff', 'text/x-diff');
        const url = await store.presignedUrl!(diffKey, 60);
        assert.match(url, /X-Amz-Signature=/);
        const response = await fetch(url);
        assert.equal(response.status, 200);
        assert.equal(await response.text(), 'a large diff');
      });
    }
  });
}
