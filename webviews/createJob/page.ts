import { CreateJobPanelState, type createJobProtocol } from '../../common/webviewProtocol';
import { showPageError } from '../shared/dom';
import type { Host } from '../shared/host';
import { renderCreateJobForm, type CreateJobForm } from './form';

// The Create Job page: the form, its draft kept with setState (a reload, moving the panel or
// switching tabs loses nothing typed), and a new editor selection offered to it when Create Job
// is run again while the form is open.

export async function startCreateJobPage(
  host: Host<typeof createJobProtocol>,
  root: HTMLElement,
): Promise<CreateJobForm | undefined> {
  const saved = CreateJobPanelState.safeParse(host.getState() ?? {});
  let state: CreateJobPanelState = saved.success ? saved.data : {};
  const update = (change: Partial<CreateJobPanelState>) => {
    state = { ...state, ...change };
    host.setState(state);
  };
  try {
    const loaded = await host.client.request('load', {});
    const form = renderCreateJobForm(
      root,
      {
        prompt: loaded.prompt,
        apiUrl: loaded.apiUrl,
        codeHost: loaded.codeHost,
        // What the user typed (kept over a reload) wins over the job the form was opened from.
        draft: state.draft ?? loaded.draft,
        offeredPrompt: state.offeredPrompt,
      },
      {
        pickWorkspaceRepositories: async () =>
          (await host.client.request('pickWorkspaceRepositories', {})).repositories,
        loadRepositoriesFromFile: () => host.client.request('loadRepositoriesFromFile', {}),
        previewRepositories: (request) => host.client.request('previewRepositories', request),
        sandbox: async () => (await host.client.request('sandbox', {})).status,
        submit: async (draft) => {
          const result = await host.client.request('submit', { draft });
          if (result.ok) {
            state = {};
            host.setState(state);
            await host.client.request('close', {});
            return { ok: true };
          }
          return result;
        },
        cancel: () => void host.client.request('close', {}),
        draftChanged: (draft) => update({ draft }),
        offerChanged: (offeredPrompt) => update({ offeredPrompt }),
      },
    );
    const takeOffer = async () => {
      const { prompt } = await host.client.request('takeOfferedPrompt', {});
      if (prompt !== undefined) form.offerPrompt(prompt);
    };
    host.client.on('promptOffered', () => void takeOffer().catch(() => undefined));
    const takeDraft = async () => {
      const { draft } = await host.client.request('takeOfferedDraft', {});
      if (draft) form.fill(draft);
    };
    host.client.on('draftOffered', () => void takeDraft().catch(() => undefined));
    await takeDraft();
    // The nudge is lost when the panel was hidden (its page was not alive): ask once at the start.
    await takeOffer();
    return form;
  } catch (error) {
    showPageError(root, error);
    return undefined;
  }
}
