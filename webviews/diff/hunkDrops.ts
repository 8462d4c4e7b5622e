import { h, icon } from '../shared/dom';
import type { DropMarks } from './drops';

// The diff view's Drop controls: a "Drop file" toggle on each file's line and a "Drop hunk" toggle
// on each hunk's header row of diff2html's table, with the rows of what is marked struck through.
// The buttons are toggles (aria-pressed); the marks live in DropMarks, and `refreshDrops` makes
// every control and row show them (after a render, a toggle, Clear).

/** "Drop file" on a file's line; `changed` runs after each toggle. */
export function dropFileButton(document: Document, path: string, marks: DropMarks, changed: () => void) {
  const button = h(
    document,
    'button',
    {
      type: 'button',
      class: 'drop-toggle',
      'data-acts': true,
      'data-drop': 'file',
      'data-path': path,
      'aria-pressed': String(marks.fileMarked(path)),
      title: `Leave ${path} out of the patch (saved as a new revision)`,
      'aria-label': `Drop file ${path}`,
    },
    icon(document, 'trash'),
    'Drop file',
  );
  button.addEventListener('click', (event) => {
    // The button sits in the file's <summary>: it must not fold the section too.
    event.preventDefault();
    event.stopPropagation();
    marks.toggleFile(path);
    changed();
  });
  return button;
}

/** diff2html's hunk header rows of one table: the rows whose info cell starts with "@@". */
function hunkHeaders(table: Element): Element[] {
  return [...table.querySelectorAll('tr')].filter((row) => {
    const cell = row.querySelector('td.d2h-info:not([class*="linenumber"])');
    return cell?.textContent?.trimStart().startsWith('@@') ?? false;
  });
}

/**
 * Puts a "Drop hunk" toggle on each hunk header of a file's rendered diff. Returns false (and adds
 * nothing) when the rendered hunks are not the `count` the patch has.
 */
export function decorateHunks(body: HTMLElement, path: string, count: number, marks: DropMarks, changed: () => void) {
  const document = body.ownerDocument;
  const tables = [...body.querySelectorAll('tbody.d2h-diff-tbody')];
  const withHeaders = tables.find((table) => hunkHeaders(table).length > 0);
  const headers = withHeaders ? hunkHeaders(withHeaders) : [];
  if (headers.length !== count) return false;
  headers.forEach((row, hunk) => {
    const button = h(
      document,
      'button',
      {
        type: 'button',
        class: 'drop-toggle drop-hunk',
        'data-acts': true,
        'data-drop': 'hunk',
        'data-path': path,
        'data-hunk': hunk,
        'aria-pressed': String(marks.hunkMarked(path, hunk)),
        title: 'Leave this hunk out of the patch (saved as a new revision)',
        'aria-label': `Drop hunk ${hunk + 1} of ${path}`,
      },
      icon(document, 'trash'),
      'Drop hunk',
    );
    button.addEventListener('click', () => {
      marks.toggleHunk(path, hunk);
      changed();
    });
    // In the header line itself, so the row keeps its height (side by side, the other table's
    // rows must stay level with this one's).
    const cell = row.querySelector('td.d2h-info:not([class*="linenumber"])')!;
    (cell.firstElementChild ?? cell).append(button);
  });
  return true;
}

/** Makes every Drop control and diff row under `root` show the marks. */
export function refreshDrops(root: HTMLElement, marks: DropMarks): void {
  for (const button of root.querySelectorAll<HTMLElement>('[data-drop]')) {
    const path = button.dataset.path ?? '';
    const pressed =
      button.dataset.drop === 'file' ? marks.fileMarked(path) : marks.hunkMarked(path, Number(button.dataset.hunk));
    button.setAttribute('aria-pressed', String(pressed));
  }
  const sections = [root, ...root.querySelectorAll<HTMLElement>('details.file')].filter((each) =>
    each.matches('details.file'),
  );
  for (const section of sections) {
    const path = section.dataset.path ?? '';
    section.classList.toggle('is-dropped', marks.fileMarked(path));
    for (const table of section.querySelectorAll('tbody.d2h-diff-tbody')) {
      let hunk = -1;
      for (const row of table.querySelectorAll('tr')) {
        if (row.querySelector('td.d2h-info')) hunk++;
        row.classList.toggle('dropped', hunk >= 0 && marks.hunkMarked(path, hunk));
      }
    }
  }
}
