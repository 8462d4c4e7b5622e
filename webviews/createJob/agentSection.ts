import type { CreateJobDraft } from '../../common/webviewProtocol';
import { h } from '../shared/dom';
import {
  type CheckElement,
  checkControl,
  errorSlot,
  type FormSection,
  labelledField,
  type SectionKit,
  textControl,
  type ValueElement,
} from './sectionKit';

// "In each checkout": what runs there besides the change. A setup command (both modes) runs after
// the clone and before the change; with a prompt, Claude may also run commands itself (a bash
// tool), and each repository may carry a note for Claude's first message. Both are for Claude, so
// they hide in command mode (and are not sent; common/agentDraft.ts).

export interface AgentSection extends FormSection {
  element: HTMLElement;
}

export function agentSection(kit: SectionKit, initial: Partial<CreateJobDraft>): AgentSection {
  const { document } = kit;
  const allowCommands = checkControl(kit, 'allowCommands', 'Let Claude run commands');
  const setupCommand = textControl(kit, 'setupCommand', 'vscode-textfield', {
    class: 'code',
    placeholder: 'e.g. npm ci (optional)',
  });
  const notes = textControl(kit, 'repositoryInstructions', 'vscode-textarea', {
    rows: 4,
    class: 'code',
    placeholder: 'acme/widgets: use pnpm, not npm\nacme/gadgets: the tests need `make fixtures` first',
  });
  allowCommands.checked = initial.allowCommands ?? false;
  setupCommand.value = initial.setupCommand ?? '';
  notes.value = initial.repositoryInstructions ?? '';

  const allowField = h(
    document,
    'div',
    { class: 'field checks', 'data-field': 'allowCommands' },
    allowCommands,
    h(
      document,
      'div',
      { class: 'hint muted' },
      'Claude gets a shell in each checkout to install, build and run the tests while it works (each command at ' +
        'most 5 minutes; the thread shows them). On the local stack the commands run as you, with your rights ' +
        '(your files, your network): allow it only for prompts and repositories you trust.',
    ),
    errorSlot(document, 'allowCommands'),
  );
  const notesField = labelledField(
    document,
    'repositoryInstructions',
    'Notes per repository',
    notes,
    'One per line: owner/name, a colon, the note (at most 2,000 characters). Each goes into that ' +
      "repository's first message to Claude. For notes of several lines, paste a JSON object " +
      '{"owner/name": "note"}, as for the CLI\'s --instructions-file.',
  );

  const element = h(
    document,
    'section',
    { id: 'agent-section', 'aria-label': 'In each checkout' },
    h(document, 'h2', {}, 'In each checkout'),
    labelledField(
      document,
      'setupCommand',
      'Setup command',
      setupCommand,
      'Runs after the clone, before the change, such as npm ci; if it fails, the repository fails. What it ' +
        'changes in tracked files is undone before the change; ignored files (node_modules) stay. On the local ' +
        'stack it runs as you, with your rights, like the shell command.',
    ),
    allowField,
    notesField,
  );

  return {
    element,
    controls: {
      allowCommands: allowCommands as unknown as ValueElement,
      setupCommand,
      repositoryInstructions: notes,
    },
    draft: () => ({
      allowCommands: Boolean((allowCommands as CheckElement).checked),
      setupCommand: setupCommand.value ?? '',
      repositoryInstructions: notes.value ?? '',
    }),
    sync(draft) {
      allowField.hidden = draft.mode !== 'prompt';
      notesField.hidden = draft.mode !== 'prompt';
    },
  };
}
