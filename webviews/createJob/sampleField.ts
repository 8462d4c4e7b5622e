import { parseRepositoryList } from '../../common/jobDraft';
import { knownRepositoryCount } from '../../common/jobDraftSections';
import type { CreateJobDraft } from '../../common/webviewProtocol';
import { h } from '../shared/dom';
import { type FormSection, labelledField, repositoriesText, type SectionKit, textControl } from './sectionKit';

// "Sample first": the job runs this many of its repositories, then waits (SAMPLED) until it is
// continued, perhaps with a revised task. The size is checked against the repositories the form
// knows of (the list, or what Preview showed); with a query not yet previewed, the API checks it.

export interface SampleField extends FormSection {
  element: HTMLElement;
}

export function sampleField(kit: SectionKit, initial: Partial<CreateJobDraft>): SampleField {
  const { document } = kit;
  const control = textControl(kit, 'sample', 'vscode-textfield', { placeholder: 'all at once', inputmode: 'numeric' });
  control.value = initial.sample ?? '';
  const of = h(document, 'span', { id: 'sample-of' });
  const element = labelledField(
    document,
    'sample',
    'Sample first',
    control,
    h(
      document,
      'span',
      {},
      'Run this many repositories first; the job then waits, sampled, until you continue it (with the task ' +
        'revised, if the sample shows it needs to be). ',
      of,
    ),
  );
  return {
    element,
    controls: { sample: control },
    draft: () => ({ sample: control.value ?? '' }),
    sync(draft) {
      const count = knownRepositoryCount(draft, parseRepositoryList(draft.repositories).length);
      of.textContent =
        count === undefined
          ? 'Preview the query to see how many it gives.'
          : count > 1
            ? `Fewer than the ${repositoriesText(count)}.`
            : count === 1
              ? 'A sample needs at least 2 repositories.'
              : '';
    },
  };
}
