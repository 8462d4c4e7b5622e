import assert from 'node:assert/strict';
import { makeDom } from '../../test/helpers/dom';
import { renderTextEntry } from './page';

// The text entry view in a DOM: it says what the text is for, counts it against its limit, keeps
// the draft, refuses an empty or too long text before sending, sends with Ctrl+Enter, and shows why
// the host refused one.

describe('text entry view', () => {
  it('counts, keeps, refuses and sends', async () => {
    const dom = makeDom();
    const kept: string[] = [];
    const sent: string[] = [];
    let cancelled = 0;
    let answer = { done: false, message: 'The host said no.' };
    renderTextEntry(
      dom.root,
      {
        title: 'Send an instruction to 2 pull requests of "Adopt v2"',
        intro: 'Claude makes this change on each.',
        label: 'Instruction',
        maxLength: 10,
        submitLabel: 'Send',
      },
      {
        keep: (text) => kept.push(text),
        submit: async (text) => {
          sent.push(text);
          return answer;
        },
        cancel: async () => {
          cancelled++;
        },
      },
    );
    const settle = () => new Promise((resolve) => setTimeout(resolve, 10));
    const editor = dom.root.querySelector('#text') as HTMLElement & { value: string };
    const count = () => dom.root.querySelector('#text-count')?.textContent;
    const error = () => dom.root.querySelector('#text-error')?.textContent;
    const click = (id: string) => (dom.root.querySelector(`#${id}`) as HTMLElement).click();
    const type = (text: string) => {
      editor.value = text;
      editor.dispatchEvent(new dom.window.Event('input') as unknown as Event);
    };
    try {
      assert.equal(dom.root.querySelector('h1')?.textContent, 'Send an instruction to 2 pull requests of "Adopt v2"');
      assert.equal(count(), '0 of 10 characters');
      click('submit');
      await settle();
      assert.match(error()!, /must not be empty/);
      assert.deepEqual(sent, []);
      type('far too long text');
      assert.equal(count(), '17 of 10 characters');
      click('submit');
      await settle();
      assert.match(error()!, /at most 10/);
      type('Add a line');
      assert.deepEqual(kept.at(-1), 'Add a line');
      editor.dispatchEvent(
        new dom.window.KeyboardEvent('keydown', { key: 'Enter', ctrlKey: true }) as unknown as Event,
      );
      await settle();
      assert.deepEqual(sent, ['Add a line']);
      assert.equal(error(), 'The host said no.');
      answer = { done: true, message: '' };
      click('submit');
      await settle();
      assert.deepEqual(sent, ['Add a line', 'Add a line']);
      assert.equal(error(), '');
      click('cancel');
      await settle();
      assert.equal(cancelled, 1);
    } finally {
      await dom.close();
    }
  });
});
