import type { CreateJobDraft } from '../../common/webviewProtocol';
import { type FormActions, renderCreateJobForm } from '../../webviews/createJob/form';
import { makeDom } from './dom';

// The Create Job form in a DOM, for the tests of its sections. The @vscode-elements components are
// not registered, so controls are plain elements with a `value` or `checked`; what is tested is
// what the form does with them. `actions` stand in for the extension's end, as in form.test.ts.

export type Control = HTMLElement & { value: string; checked: boolean };

export function renderForm(
  draft?: Partial<CreateJobDraft>,
  actions: Partial<FormActions> = {},
  prompt = 'Replace oldFunction(x)',
) {
  const dom = makeDom();
  const submitted: CreateJobDraft[] = [];
  const drafts: CreateJobDraft[] = [];
  const form = renderCreateJobForm(
    dom.root,
    { prompt, draft },
    {
      pickWorkspaceRepositories: async () => [],
      loadRepositoriesFromFile: async () => ({ repositories: [], skipped: [] }),
      submit: async (value) => {
        submitted.push(value);
        return { ok: true };
      },
      cancel: () => undefined,
      draftChanged: (value) => drafts.push(value),
      offerChanged: () => undefined,
      ...actions,
    },
  );
  const $ = (selector: string) => dom.root.querySelector(selector) as Control;
  const event = (name: string) => new dom.window.Event(name, { bubbles: true }) as unknown as Event;
  const type = (id: string, value: string) => {
    $(`#${id}`).value = value;
    $(`#${id}`).dispatchEvent(event('input'));
  };
  const check = (id: string, checked = true) => {
    $(`#${id}`).checked = checked;
    $(`#${id}`).dispatchEvent(event('change'));
  };
  const click = async (selector: string) => {
    $(selector).click();
    await new Promise((resolve) => setTimeout(resolve, 10));
  };
  const text = (selector: string) => $(selector)?.textContent ?? '';
  /** The text of every element `selector` matches, in order. */
  const texts = (selector: string) => [...dom.root.querySelectorAll(selector)].map((element) => element.textContent);
  const hidden = (selector: string) => $(selector).closest('[hidden]') !== null;
  return { dom, form, submitted, drafts, $, type, check, click, text, texts, hidden, close: () => dom.close() };
}
