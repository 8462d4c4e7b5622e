import type { SandboxStatus } from '../../common/sandbox';
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
// they hide in command mode (and are not sent; common/agentDraft.ts). Every command runs in the
// command sandbox where the stack has one: the section says what holds there (GET /sandbox), and
// takes the hosts the commands may reach besides the package registries and the code host.

export interface AgentSection extends FormSection {
  element: HTMLElement;
  /** Says what holds around the commands where the job would run. */
  showSandbox(status: SandboxStatus): void;
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
  const allowHosts = textControl(kit, 'allowHosts', 'vscode-textarea', {
    rows: 2,
    class: 'code',
    placeholder: 'registry.example.com\n*.internal.example.com',
  });
  allowCommands.checked = initial.allowCommands ?? false;
  setupCommand.value = initial.setupCommand ?? '';
  notes.value = initial.repositoryInstructions ?? '';
  allowHosts.value = initial.allowHosts ?? '';
  const sandboxState = h(document, 'div', { id: 'sandbox-state', class: 'notice', role: 'status', hidden: true });
  const allowWarning = h(document, 'div', { class: 'hint error-text', hidden: true });

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
        'most 5 minutes; the thread shows them and what the sandbox refused). Its commands run in the command ' +
        'sandbox, held as the note above says; without one, a stack refuses it.',
    ),
    allowWarning,
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
    sandboxState,
    labelledField(
      document,
      'setupCommand',
      'Setup command',
      setupCommand,
      'Runs after the clone, before the change, such as npm ci; if it fails, the repository fails. What it ' +
        'changes in tracked files is undone before the change; ignored files (node_modules) stay. It runs like ' +
        'every command of the job: in the sandbox where there is one.',
    ),
    allowField,
    labelledField(
      document,
      'allowHosts',
      'Allowed hosts',
      allowHosts,
      'Sandboxed commands reach only the public package registries (npm, PyPI, Go, crates.io, Maven, RubyGems, ' +
        'NuGet, Packagist, Hex) and the code host; anything else is refused, and the log says so. List other ' +
        'hosts they need, one per line or separated by commas: registry.example.com, *.example.com, 10.0.0.5:8080.',
    ),
    notesField,
  );

  return {
    element,
    controls: {
      allowCommands: allowCommands as unknown as ValueElement,
      setupCommand,
      repositoryInstructions: notes,
      allowHosts,
    },
    draft: () => ({
      allowCommands: Boolean((allowCommands as CheckElement).checked),
      setupCommand: setupCommand.value ?? '',
      repositoryInstructions: notes.value ?? '',
      allowHosts: allowHosts.value ?? '',
    }),
    showSandbox(status) {
      const off = status.state === 'off' || status.state === 'unavailable';
      sandboxState.className = off ? 'notice error' : 'notice';
      sandboxState.replaceChildren(
        h(document, 'strong', {}, off ? 'No command sandbox. ' : 'Command sandbox. '),
        status.message,
        ...(status.install ? [' Install it with: ', h(document, 'code', {}, status.install)] : []),
      );
      sandboxState.hidden = false;
      // Where the stack would refuse Claude's commands, the box says so before Create Job does.
      const refused = status.state === 'unavailable';
      allowWarning.textContent = refused ? 'This stack refuses it until the sandbox is installed.' : '';
      allowWarning.hidden = !refused;
    },
    sync(draft) {
      allowField.hidden = draft.mode !== 'prompt';
      notesField.hidden = draft.mode !== 'prompt';
    },
  };
}
