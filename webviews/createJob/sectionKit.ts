import type { CreateJobDraft } from '../../common/webviewProtocol';
import { h } from '../shared/dom';

// What the Create Job form's sections (repository source, sample, pull requests) are built with.
// A section owns its fields and its part of the draft; the form keeps the draft, checks it with
// the API's schema and shows each message in `#<field id>-error`, as for its own fields.

export type ValueElement = HTMLElement & { value: string; invalid?: boolean; disabled?: boolean };
export type CheckElement = HTMLElement & { checked: boolean; disabled?: boolean };

export interface SectionKit {
  document: Document;
  /** A field's value changed: the form keeps the draft and checks it again. */
  changed(id: string): void;
  /** A field lost the focus: its message shows from now on. */
  left(id: string): void;
}

export interface FormSection {
  /** The section's part of the draft. */
  draft(): Partial<CreateJobDraft>;
  /** Its fields by id, for the form's messages. */
  controls: Record<string, ValueElement>;
  /** The draft changed: what the section shows follows it. */
  sync(draft: CreateJobDraft): void;
}

/** A labelled choice of one (a radio group, the label naming it for screen readers too). */
export function radioField(document: Document, id: string, label: string, ...choices: HTMLElement[]): HTMLElement {
  return h(
    document,
    'div',
    { class: 'field' },
    h(document, 'vscode-label' as 'label', {}, label),
    h(document, 'vscode-radio-group' as 'div', { id, 'aria-label': label }, ...choices),
  );
}

/** A text field or area whose changes and focus reach the form; `alsoLeaves` are ids shown with it. */
export function textControl(
  kit: SectionKit,
  id: string,
  tag: 'vscode-textfield' | 'vscode-textarea',
  attributes: Record<string, string | number | boolean> = {},
  alsoLeaves: string[] = [],
): ValueElement {
  const element = h(kit.document, tag as 'div', { id, ...attributes }) as unknown as ValueElement;
  element.addEventListener('input', () => kit.changed(id));
  element.addEventListener('change', () => kit.changed(id));
  element.addEventListener('focusout', () => {
    for (const other of alsoLeaves) kit.left(other);
    kit.left(id);
  });
  return element;
}

export function checkControl(kit: SectionKit, id: string, label: string): CheckElement {
  const element = h(kit.document, 'vscode-checkbox' as 'div', { id, label }) as unknown as CheckElement;
  element.addEventListener('change', () => kit.changed(id));
  return element;
}

export function errorSlot(document: Document, id: string): HTMLElement {
  return h(document, 'div', { class: 'field-error', id: `${id}-error`, role: 'alert', 'aria-live': 'polite' });
}

/** A labelled field with its hint and its message slot, like the form's own. */
export function labelledField(
  document: Document,
  id: string,
  label: string,
  control: HTMLElement,
  hint?: string | HTMLElement,
): HTMLElement {
  return h(
    document,
    'div',
    { class: 'field', 'data-field': id },
    h(document, 'vscode-label' as 'label', { for: id }, label),
    control,
    hint ? h(document, 'div', { class: 'hint muted' }, hint) : undefined,
    errorSlot(document, id),
  );
}

/** "1 repository", "3 repositories". */
export function repositoriesText(count: number): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? 'repository' : 'repositories'}`;
}
