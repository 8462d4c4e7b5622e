import { checkDraft, mergeRepositories, parseRepositoryList } from '../../common/jobDraft';
import type { DraftSections } from '../../common/createJobDraft';
import { PULL_REQUEST_FIELDS } from '../../common/jobDraftSections';
import type { SandboxStatus } from '../../common/sandbox';
import type { CodeHostInfo, ResolveRepositoriesRequest } from '../../common/schemas';
import type { CreateJobDraft, FieldErrors } from '../../common/webviewProtocol';
import { append, h, pageHeader } from '../shared/dom';
import { agentSection } from './agentSection';
import { nameEngineLoading, nameEngineSettled } from './nameEngine';
import { pullRequestSection } from './pullRequestSection';
import { type PreviewReply, repositorySource } from './repositorySource';
import { sampleField } from './sampleField';
import { radioField } from './sectionKit';

// The Create Job form, built from @vscode-elements components. Fields are checked as the user
// types with the API's own schema (common/jobDraft.ts); a field shows its message once touched,
// and every field does after a submit attempt.

export interface FormActions {
  pickWorkspaceRepositories(): Promise<string[]>;
  loadRepositoriesFromFile(): Promise<{ repositories: string[]; skipped: string[] }>;
  submit(draft: CreateJobDraft): Promise<{ ok: true } | { ok: false; fieldErrors: FieldErrors; message: string }>;
  cancel(): void;
  draftChanged(draft: CreateJobDraft): void;
  /** A new selection is on offer (shown next to the prompt), or no longer (undefined). */
  offerChanged(prompt: string | undefined): void;
  /** What a repository query gives, for Preview (without it, Preview is not offered). */
  previewRepositories?(request: ResolveRepositoriesRequest): Promise<PreviewReply>;
  /** What holds around the job's commands where it would run (the command sandbox). */
  sandbox?(): Promise<SandboxStatus | undefined>;
}

export interface FormOptions {
  prompt: string;
  apiUrl?: string;
  /** The stack's code host: its words in the query section (GitLab: groups and projects). */
  codeHost?: CodeHostInfo['kind'];
  draft?: Partial<CreateJobDraft>;
  /** A selection that was on offer when the page was last shown. */
  offeredPrompt?: string;
}

export interface CreateJobForm {
  draft(): CreateJobDraft;
  /** Replaces the fields with a draft (Run Again… on a job while the form is open). */
  fill(draft: Partial<CreateJobDraft>): void;
  /**
   * Create Job was run again with a new selection. An empty prompt takes it; a prompt with text
   * is never overwritten: the form asks whether to replace it, append to it, or leave it.
   */
  offerPrompt(prompt: string): void;
}

/** The fields the form itself holds (the rest are its sections'). */
type BaseField = Exclude<keyof CreateJobDraft, keyof typeof DraftSections>;

type ValueElement = HTMLElement & { value: string; invalid?: boolean; disabled?: boolean };
type CheckElement = HTMLElement & { checked: boolean; disabled?: boolean };

const FIELD_LABELS: Record<string, string> = {
  name: 'Name',
  description: 'Description',
  prompt: 'Prompt',
  command: 'Shell command',
  verifyCommand: 'Verify command',
  repositories: 'Repositories',
  baseBranch: 'Base branch',
  maxCostUsd: 'Cost limit (USD)',
};

export function renderCreateJobForm(root: HTMLElement, options: FormOptions, actions: FormActions): CreateJobForm {
  const document = root.ownerDocument;
  root.replaceChildren();
  root.removeAttribute('aria-busy');
  const touched = new Set<string>();
  let submitted = false;
  let busy = false;

  const text = (
    id: string,
    tag: 'vscode-textfield' | 'vscode-textarea',
    attributes: Record<string, string | number | boolean> = {},
  ) => {
    const element = h(document, tag as 'div', { id, ...attributes }) as unknown as ValueElement;
    element.addEventListener('input', () => changed(id));
    element.addEventListener('change', () => changed(id));
    element.addEventListener('focusout', () => {
      touched.add(id);
      validate();
    });
    return element;
  };
  const errorFor = (id: string) =>
    h(document, 'div', { class: 'field-error', id: `${id}-error`, role: 'alert', 'aria-live': 'polite' });
  const field = (id: string, control: HTMLElement, hint?: string | HTMLElement, required = false) =>
    h(
      document,
      'div',
      { class: 'field', 'data-field': id },
      h(document, 'vscode-label' as 'label', { for: id, required }, FIELD_LABELS[id] ?? id),
      control,
      hint ? h(document, 'div', { class: 'hint muted' }, hint) : undefined,
      errorFor(id),
    );

  const name = text('name', 'vscode-textfield', { placeholder: 'e.g. Update API calls' });
  const description = text('description', 'vscode-textarea', {
    rows: 2,
    placeholder: 'What the change is for (optional)',
  });
  const modePrompt = h(document, 'vscode-radio' as 'div', {
    id: 'mode-prompt',
    name: 'mode',
    value: 'prompt',
    label: 'Claude makes the change (prompt)',
  }) as unknown as CheckElement;
  const modeCommand = h(document, 'vscode-radio' as 'div', {
    id: 'mode-command',
    name: 'mode',
    value: 'command',
    label: 'A shell command makes it',
  }) as unknown as CheckElement;
  const prompt = text('prompt', 'vscode-textarea', {
    rows: 8,
    class: 'code',
    placeholder: 'e.g. Replace every oldFunction(x) with newFunction(x, { version: 2 })',
  });
  const command = text('command', 'vscode-textfield', {
    class: 'code',
    placeholder: "e.g. sed -i 's/oldFunction(/newFunction(/g' src/*.ts",
  });
  const verifyCommand = text('verifyCommand', 'vscode-textfield', {
    class: 'code',
    placeholder: 'npm test (optional)',
  });
  const repositories = text('repositories', 'vscode-textarea', {
    rows: 6,
    class: 'code',
    placeholder: 'e.g.\nacme/widgets\nacme/gadgets',
  });
  const createPullRequests = h(document, 'vscode-checkbox' as 'div', {
    id: 'createPullRequests',
    label: 'Open a pull request per repository',
  }) as unknown as CheckElement;
  const draftPullRequests = h(document, 'vscode-checkbox' as 'div', {
    id: 'draftPullRequests',
    label: 'As drafts',
  }) as unknown as CheckElement;
  const baseBranch = text('baseBranch', 'vscode-textfield', { placeholder: "the repository's default branch" });
  const maxCostUsd = text('maxCostUsd', 'vscode-textfield', { placeholder: 'no limit' });
  const repositoryCount = h(document, 'span', { class: 'muted', id: 'repository-count' });
  const fromWorkspace = h(
    document,
    'vscode-button' as 'button',
    { id: 'add-from-workspace', secondary: true, icon: 'folder-library' },
    'Add from workspace…',
  );
  const fromFile = h(
    document,
    'vscode-button' as 'button',
    { id: 'load-from-file', secondary: true, icon: 'file' },
    'Load from file…',
  );
  const submit = h(document, 'vscode-button' as 'button', { id: 'submit', icon: 'rocket' }, 'Create Job');
  const cancel = h(document, 'vscode-button' as 'button', { id: 'cancel', secondary: true }, 'Cancel');
  const formError = h(document, 'div', { class: 'notice error', id: 'form-error', role: 'alert', hidden: true });
  const repositoryNote = h(document, 'div', { class: 'hint muted', id: 'repositories-note' });

  const offerReplace = h(document, 'vscode-button' as 'button', { id: 'offer-replace' }, 'Replace');
  const offerAppend = h(document, 'vscode-button' as 'button', { id: 'offer-append', secondary: true }, 'Append');
  const offerDismiss = h(document, 'vscode-button' as 'button', { id: 'offer-dismiss', secondary: true }, 'Dismiss');
  const offerPreview = h(document, 'span', { class: 'muted offer-preview' });
  const offerNotice = h(
    document,
    'div',
    { class: 'notice offer', id: 'prompt-offer', role: 'status', hidden: true },
    h(document, 'div', {}, 'The editor has a new selection. Use it as the prompt? ', offerPreview),
    h(document, 'div', { class: 'toolbar' }, offerReplace, offerAppend, offerDismiss),
  );

  const promptField = field(
    'prompt',
    prompt,
    'Claude works on each repository with this prompt. The selection in the editor was put here, if there was one.',
    true,
  );
  const commandField = field(
    'command',
    command,
    'Runs in each checkout; whatever it changes becomes the diff. It runs in the command sandbox where the stack ' +
      'has one (see "In each checkout"); without one, as you, with your rights: run only commands you would run yourself.',
    true,
  );

  // The sections in files of their own: the repository source, the sample, the pull requests.
  const kit = {
    document,
    changed: (id: string) => changed(id),
    left: (id: string) => {
      touched.add(id);
      validate();
    },
  };
  const source = repositorySource(kit, options.draft ?? {}, actions.previewRepositories, options.codeHost);
  const sample = sampleField(kit, options.draft ?? {});
  const pullRequests = pullRequestSection(kit, options.draft ?? {});
  const agent = agentSection(kit, options.draft ?? {});
  void actions
    .sandbox?.()
    .then((status) => status && agent.showSandbox(status))
    .catch(() => undefined);
  const sections = [source, sample, pullRequests, agent];

  append(
    root,
    pageHeader(
      document,
      'Create Job',
      h(document, 'div', { class: 'muted' }, options.apiUrl ? `On ${options.apiUrl}` : ''),
    ),
    h(
      document,
      'form',
      { id: 'job-form', novalidate: true },
      formError,
      field('name', name, undefined, true),
      field('description', description),
      radioField(document, 'mode', 'How the change is made', modePrompt, modeCommand),
      offerNotice,
      promptField,
      commandField,
      field('verifyCommand', verifyCommand, 'Run after the change; when Claude made it, failures go back to Claude.'),
      source.chooser,
      field('repositories', repositories, h(document, 'span', {}, 'One owner/name per line. ', repositoryCount), true),
      h(document, 'div', { class: 'toolbar' }, fromWorkspace, fromFile),
      repositoryNote,
      source.queryPart,
      sample.element,
      h(document, 'div', { class: 'field checks' }, createPullRequests, draftPullRequests),
      pullRequests.element,
      agent.element,
      h(
        document,
        'vscode-collapsible' as 'details',
        { title: 'Advanced', id: 'advanced' },
        h(
          document,
          'div',
          { class: 'advanced' },
          field('baseBranch', baseBranch),
          field('maxCostUsd', maxCostUsd, 'The job stops a repository once its Claude usage costs this much.'),
        ),
      ),
      h(document, 'div', { class: 'toolbar actions' }, submit, cancel),
    ),
  );

  // Each field of a draft and where it goes: a field the form gains (a repository query, a sample
  // size) adds its line here, and fill, restore and Run Again… all take it.
  // The form's own fields; the sections' are filled by fillSections.
  const setters: { [K in BaseField]-?: (value: CreateJobDraft[K] | undefined) => void } = {
    name: (value) => (name.value = value ?? ''),
    description: (value) => (description.value = value ?? ''),
    mode: (value) => setMode(value ?? 'prompt'),
    prompt: (value) => (prompt.value = value ?? ''),
    command: (value) => (command.value = value ?? ''),
    verifyCommand: (value) => (verifyCommand.value = value ?? ''),
    repositories: (value) => (repositories.value = value ?? ''),
    createPullRequests: (value) => (createPullRequests.checked = value ?? false),
    draftPullRequests: (value) => (draftPullRequests.checked = value ?? false),
    baseBranch: (value) => (baseBranch.value = value ?? ''),
    maxCostUsd: (value) => (maxCostUsd.value = value ?? ''),
  };
  let mode: CreateJobDraft['mode'] = 'prompt';
  function setMode(value: CreateJobDraft['mode']): void {
    mode = value;
    modePrompt.checked = mode === 'prompt';
    modeCommand.checked = mode === 'command';
  }
  function setValues(draft: Partial<CreateJobDraft>): void {
    for (const key of Object.keys(setters) as BaseField[]) (setters[key] as (value: unknown) => void)(draft[key]);
  }

  /**
   * Run Again into an open form: the repository source and query, the sample, the pull-request
   * templates and the checkout fields are replaced with the job's (empty where it has none).
   */
  function fillSections(draft: Partial<CreateJobDraft>): void {
    source.fill(draft);
    sample.controls.sample!.value = draft.sample ?? '';
    for (const field of PULL_REQUEST_FIELDS)
      pullRequests.controls[`pr-${field}`]!.value = draft.pullRequest?.[field] ?? '';
    agent.controls.setupCommand!.value = draft.setupCommand ?? '';
    agent.controls.repositoryInstructions!.value = draft.repositoryInstructions ?? '';
    (agent.controls.allowCommands as unknown as CheckElement).checked = draft.allowCommands ?? false;
    agent.controls.allowHosts!.value = draft.allowHosts ?? '';
  }

  // Initial values: a restored draft (after a reload) wins over the editor selection.
  const initial = options.draft ?? {};
  setValues({ ...initial, prompt: initial.prompt ?? options.prompt });

  const readDraft = (): CreateJobDraft => ({
    name: name.value ?? '',
    description: description.value ?? '',
    mode,
    prompt: prompt.value ?? '',
    command: command.value ?? '',
    verifyCommand: verifyCommand.value ?? '',
    repositories: repositories.value ?? '',
    createPullRequests: Boolean(createPullRequests.checked),
    draftPullRequests: Boolean(draftPullRequests.checked),
    baseBranch: baseBranch.value ?? '',
    maxCostUsd: maxCostUsd.value ?? '',
    ...source.draft(),
    ...sample.draft(),
    ...pullRequests.draft(),
    ...agent.draft(),
  });

  const controls: Record<string, ValueElement> = {
    name,
    description,
    prompt,
    command,
    verifyCommand,
    repositories,
    baseBranch,
    maxCostUsd,
  };
  for (const section of sections) Object.assign(controls, section.controls);

  function showErrors(errors: FieldErrors, all: boolean): void {
    for (const [id, control] of Object.entries(controls)) {
      const message = all || touched.has(id) ? errors[id] : undefined;
      const slot = root.querySelector(`#${id}-error`);
      if (slot) slot.textContent = message ?? '';
      control.invalid = Boolean(message);
      if (message) control.setAttribute('aria-invalid', 'true');
      else control.removeAttribute('aria-invalid');
    }
    const other = Object.entries(errors).filter(([id]) => !(id in controls));
    formError.hidden = other.length === 0 || !(all || submitted);
    formError.textContent = other.map(([id, message]) => (id === 'form' ? message : `${id}: ${message}`)).join('; ');
  }

  function validate(): ReturnType<typeof checkDraft> {
    const draft = readDraft();
    const result = checkDraft(draft);
    const waiting = waitingFilters(draft);
    if (waiting.length === 0) {
      showErrors(result.ok ? {} : result.fieldErrors, submitted);
      return result;
    }
    // The name filters' engine has not arrived (it loads after the form paints): an expression is
    // neither accepted nor refused until it has, and then the form checks again.
    const fieldErrors = Object.fromEntries(
      Object.entries(result.ok ? {} : result.fieldErrors).filter(([id]) => !waiting.includes(id)),
    );
    showErrors(fieldErrors, submitted);
    for (const id of waiting) root.querySelector(`#${id}-error`)!.textContent = 'Checking…';
    if (!rechecking) {
      rechecking = true;
      void nameEngineSettled().then(() => {
        rechecking = false;
        validate();
      });
    }
    return { ok: false, fieldErrors, message: 'the include and exclude expressions are still being checked' };
  }
  let rechecking = false;

  /** The fields whose expression waits for the name filters' engine (none once it has arrived). */
  function waitingFilters(draft: CreateJobDraft): string[] {
    if (!nameEngineLoading() || draft.repositorySource !== 'query') return [];
    return (['include', 'exclude'] as const).filter((name) => draft.query?.[name]).map((name) => `query-${name}`);
  }

  function sync(): void {
    promptField.hidden = mode !== 'prompt';
    commandField.hidden = mode !== 'command';
    draftPullRequests.disabled = !createPullRequests.checked;
    const count = parseRepositoryList(repositories.value ?? '').length;
    repositoryCount.textContent = count === 0 ? '' : `${count} ${count === 1 ? 'repository' : 'repositories'}.`;
    for (const section of sections) section.sync(readDraft());
  }

  function changed(id: string): void {
    if (id !== 'repositories') touched.add(id);
    else if ((repositories.value ?? '').includes('\n')) touched.add(id);
    sync();
    validate();
    actions.draftChanged(readDraft());
  }

  // The mode follows the radios however they were checked: a click, Space or Enter on one (below),
  // or the arrow keys, with which the group checks a radio without a change event.
  const modeGroup = root.querySelector('#mode')!;
  const followRadios = () => {
    const next = modeCommand.checked ? 'command' : modePrompt.checked ? 'prompt' : mode;
    if (next === mode) return;
    mode = next;
    changed('mode');
  };
  for (const type of ['change', 'click', 'keyup']) modeGroup.addEventListener(type, followRadios);
  for (const radio of [modePrompt, modeCommand]) radio.addEventListener('change', followRadios);
  // Space and Enter choose the focused radio (Enter would otherwise submit the form unchosen).
  modeGroup.addEventListener(
    'keydown',
    (event) => {
      const key = (event as KeyboardEvent).key;
      const radio = (event.target as Element | null)?.closest?.('vscode-radio');
      if ((key !== ' ' && key !== 'Enter') || !radio) return;
      event.preventDefault();
      event.stopPropagation();
      setMode(radio === modeCommand ? 'command' : 'prompt');
      changed('mode');
    },
    true,
  );
  createPullRequests.addEventListener('change', () => changed('createPullRequests'));
  draftPullRequests.addEventListener('change', () => changed('draftPullRequests'));

  const addRepositories = (names: string[]) => {
    if (names.length === 0) return;
    repositories.value = mergeRepositories(repositories.value ?? '', names);
    touched.add('repositories');
    changed('repositories');
  };
  fromWorkspace.addEventListener('click', async () => {
    try {
      addRepositories(await actions.pickWorkspaceRepositories());
    } catch (error) {
      showFormError(error);
    }
  });
  fromFile.addEventListener('click', async () => {
    try {
      const loaded = await actions.loadRepositoriesFromFile();
      addRepositories(loaded.repositories);
      repositoryNote.textContent =
        loaded.skipped.length > 0
          ? `Skipped ${loaded.skipped.length} ${loaded.skipped.length === 1 ? 'entry' : 'entries'} ` +
            `that are not owner/name: ` +
            `${loaded.skipped.slice(0, 5).join(', ')}${loaded.skipped.length > 5 ? ', …' : ''}`
          : '';
    } catch (error) {
      showFormError(error);
    }
  });

  function showFormError(error: unknown): void {
    formError.hidden = false;
    formError.textContent = error instanceof Error ? error.message : String(error);
  }

  async function doSubmit(): Promise<void> {
    if (busy) return;
    submitted = true;
    if (waitingFilters(readDraft()).length > 0) await nameEngineSettled();
    const checked = validate();
    if (!checked.ok) {
      const first = Object.keys(checked.fieldErrors).find((id) => id in controls);
      if (first) controls[first]!.focus();
      return;
    }
    busy = true;
    submit.setAttribute('disabled', '');
    submit.textContent = 'Creating…';
    try {
      const result = await actions.submit(readDraft());
      if (!result.ok) showErrors(result.fieldErrors, true);
    } catch (error) {
      showFormError(error);
    } finally {
      busy = false;
      submit.removeAttribute('disabled');
      submit.textContent = 'Create Job';
    }
  }
  submit.addEventListener('click', () => void doSubmit());
  const formElement = root.querySelector('form')!;
  formElement.addEventListener('submit', (event) => {
    event.preventDefault();
    void doSubmit();
  });
  // Ctrl+Enter (Cmd+Enter) creates the job from any field, as in VS Code's own input boxes.
  formElement.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void doSubmit();
    }
  });
  cancel.addEventListener('click', () => actions.cancel());

  let offered: string | undefined;
  function setOffer(value: string | undefined): void {
    offered = value;
    offerNotice.hidden = value === undefined;
    const lines = value?.split('\n') ?? [];
    const first = (lines[0] ?? '').trim();
    offerPreview.textContent =
      value === undefined
        ? ''
        : `“${first.length > 60 ? `${first.slice(0, 59)}…` : first}”${lines.length > 1 ? ` (${lines.length} lines)` : ''}`;
    actions.offerChanged(value);
  }
  function takeOffer(how: 'replace' | 'append' | 'dismiss'): void {
    if (offered === undefined) return;
    if (how !== 'dismiss') {
      const current = prompt.value ?? '';
      prompt.value = how === 'replace' || !current.trim() ? offered : `${current.replace(/\s+$/, '')}\n\n${offered}`;
      if (mode !== 'prompt') setMode('prompt');
    }
    setOffer(undefined);
    if (how !== 'dismiss') changed('prompt');
    // The notice held the focus; the keyboard continues at the prompt.
    prompt.focus();
  }
  offerReplace.addEventListener('click', () => takeOffer('replace'));
  offerAppend.addEventListener('click', () => takeOffer('append'));
  offerDismiss.addEventListener('click', () => takeOffer('dismiss'));

  function offerPrompt(text: string): void {
    if (!text.trim()) return;
    const current = prompt.value ?? '';
    if (current.trim() === text.trim()) {
      if (offered !== undefined) setOffer(undefined);
      return;
    }
    if (!current.trim()) {
      // Nothing typed to lose: the prompt takes the selection, as when the form first opened.
      prompt.value = text;
      if (offered !== undefined) setOffer(undefined);
      changed('prompt');
      return;
    }
    setOffer(text);
  }

  function fill(draft: Partial<CreateJobDraft>): void {
    setValues(draft);
    fillSections(draft);
    touched.clear();
    submitted = false;
    changed('fill');
    focusName();
  }

  /** The form opens with the Name field focused, once its custom element is ready. */
  function focusName(): void {
    const ready = (name as unknown as { updateComplete?: Promise<unknown> }).updateComplete;
    if (ready) void ready.then(() => name.focus());
    else name.focus();
  }

  sync();
  if (options.draft) validate();
  if (options.offeredPrompt !== undefined) offerPrompt(options.offeredPrompt);
  else focusName();
  return { draft: readDraft, offerPrompt, fill };
}
