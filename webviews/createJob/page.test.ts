import assert from 'node:assert/strict';
import { createJobProtocol, type CreateJobPanelState, type Handlers } from '../../common/webviewProtocol';
import { makeDom } from '../../test/helpers/dom';
import { webviewHost } from '../../test/helpers/webviewHost';
import { startCreateJobPage } from './page';

// The Create Job page against the extension's end of the protocol, when Create Job is run again
// with a new selection while the form is open: visible (the extension's nudge arrives) or hidden
// (the page is rebuilt when revealed and asks for the offer as it starts).

type Control = HTMLElement & { value: string };

function extension(initialPrompt: string) {
  let offered: string | undefined;
  const handlers: Handlers<typeof createJobProtocol> = {
    load: () => ({ prompt: initialPrompt, connected: true }),
    pickWorkspaceRepositories: () => ({ repositories: [] }),
    loadRepositoriesFromFile: () => ({ repositories: [], skipped: [] }),
    previewRepositories: () => ({ ok: false, fieldErrors: {}, message: 'not in this test' }),
    sandbox: () => ({ status: undefined }),
    submit: () => ({ ok: false, fieldErrors: {}, message: 'not in this test' }),
    close: () => ({ done: true }),
    takeOfferedDraft: () => ({ draft: undefined }),
    takeOfferedPrompt: () => {
      const prompt = offered;
      offered = undefined;
      return { prompt };
    },
  };
  return { handlers, offer: (prompt: string) => (offered = prompt) };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
const kept = (state: unknown) => JSON.parse(JSON.stringify(state)) as CreateJobPanelState;

describe('Create Job page (DOM)', () => {
  it('an open form with an empty prompt takes the new selection when nudged', async () => {
    const ext = extension('');
    const dom = makeDom();
    const panel = webviewHost(createJobProtocol, ext.handlers);
    await startCreateJobPage(panel.host, dom.root);
    ext.offer('Rename fetchAll to fetchEvery');
    panel.push('promptOffered', {});
    await settle();
    assert.equal((dom.root.querySelector('#prompt') as Control).value, 'Rename fetchAll to fetchEvery');
    assert.equal(kept(panel.state()).draft?.prompt, 'Rename fetchAll to fetchEvery');
    await dom.close();
  });

  it('a hidden form keeps the typed prompt, and offers the new selection when shown again, also after another tab switch', async () => {
    const ext = extension('Replace oldFunction(x)');
    const first = makeDom();
    const panel = webviewHost(createJobProtocol, ext.handlers);
    await startCreateJobPage(panel.host, first.root);
    const prompt = first.root.querySelector('#prompt') as Control;
    prompt.value = 'My own prompt';
    prompt.dispatchEvent(new first.window.Event('input') as unknown as Event);
    await first.close();

    // Create Job again with a selection: the nudge goes nowhere (the hidden page is gone); the
    // revealed page starts from its saved state and asks.
    ext.offer('Use newFunction everywhere');
    const second = makeDom();
    const shown = webviewHost(createJobProtocol, ext.handlers, kept(panel.state()));
    await startCreateJobPage(shown.host, second.root);
    assert.equal(
      (second.root.querySelector('#prompt') as Control).value,
      'My own prompt',
      'the draft is not overwritten',
    );
    assert.equal((second.root.querySelector('#prompt-offer') as HTMLElement).hidden, false, 'the selection is offered');
    assert.equal(kept(shown.state()).offeredPrompt, 'Use newFunction everywhere');
    await second.close();

    // Switched away before answering: the offer is still there when the tab comes back.
    const third = makeDom();
    const again = webviewHost(createJobProtocol, ext.handlers, kept(shown.state()));
    await startCreateJobPage(again.host, third.root);
    assert.equal((third.root.querySelector('#prompt-offer') as HTMLElement).hidden, false);
    (third.root.querySelector('#offer-replace') as HTMLElement).click();
    assert.equal((third.root.querySelector('#prompt') as Control).value, 'Use newFunction everywhere');
    assert.deepEqual(kept(again.state()).offeredPrompt, undefined);
    assert.equal(kept(again.state()).draft?.prompt, 'Use newFunction everywhere');
    await third.close();
  });
});
