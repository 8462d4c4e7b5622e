import assert from 'node:assert/strict';
import { answerRequest, diffProtocol, ProtocolClient, type DiffLayout, type Handlers } from '../../common/webviewProtocol';
import { makeDom } from '../../test/helpers/dom';
import type { Host } from '../shared/host';
import { startDiffPage } from './page';

// The diff page against the extension's side of the protocol (answerRequest with the handlers'
// contract), as a panel opens, is switched to another layout, and a second panel opens.

const PATCH = 'diff --git a/a.txt b/a.txt\nindex 1111111..2222222 100644\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-old\n+new\n';

function extension() {
  let remembered: DiffLayout | undefined;
  const handlers: Handlers<typeof diffProtocol> = {
    load: () => ({ jobId: 'j', repositoryName: 'acme/widgets', jobName: 'Update', patch: PATCH, layout: remembered }),
    openFileInDiffEditor: () => ({ done: true }),
    applyToLocalCheckout: () => ({ done: true }),
    downloadPatch: () => ({ done: true }),
    openPullRequest: () => ({ done: true }),
    rememberLayout: ({ layout }) => {
      remembered = layout;
      return { done: true };
    },
  };
  return { handlers, remembered: () => remembered };
}

function panel(handlers: Handlers<typeof diffProtocol>, saved?: unknown) {
  let state = saved;
  const client: ProtocolClient<typeof diffProtocol> = new ProtocolClient(diffProtocol, (message) => {
    void answerRequest(diffProtocol, handlers, message).then((reply) => client.receive(reply));
  });
  const host: Host<typeof diffProtocol> = { client, getState: () => state, setState: (value) => (state = value) };
  return { host, state: () => state };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('diff page (DOM)', () => {
  it('keeps the layout chosen in one panel for that panel, and opens the next diff in it', async () => {
    const ext = extension();
    const first = makeDom();
    const one = panel(ext.handlers);
    await startDiffPage(one.host, first.root);
    assert.equal(first.root.querySelector('[data-layout="side-by-side"]')!.getAttribute('aria-pressed'), 'true', 'side by side at first');
    (first.root.querySelector('[data-layout="line-by-line"]') as HTMLButtonElement).click();
    await settle();
    assert.deepEqual(one.state(), { jobId: 'j', repositoryName: 'acme/widgets', layout: 'line-by-line' });
    assert.equal(ext.remembered(), 'line-by-line');

    const second = makeDom();
    await startDiffPage(panel(ext.handlers).host, second.root);
    assert.equal(second.root.querySelector('[data-layout="line-by-line"]')!.getAttribute('aria-pressed'), 'true');
    assert.ok(second.root.querySelector('.d2h-file-diff'), 'line-by-line markup');

    // A panel restored after a reload keeps its own choice.
    const restored = makeDom();
    await startDiffPage(panel(ext.handlers, { jobId: 'j', repositoryName: 'acme/widgets', layout: 'side-by-side' }).host, restored.root);
    assert.equal(restored.root.querySelector('[data-layout="side-by-side"]')!.getAttribute('aria-pressed'), 'true');
    await Promise.all([first.close(), second.close(), restored.close()]);
  });
});
