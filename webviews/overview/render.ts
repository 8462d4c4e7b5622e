import { formatCost, formatCount } from '../../common/format';
import type { BurndownPoint } from '../../common/schemas';
import type { RepositoryView } from '../../common/webviewProtocol';
import { h, icon } from '../shared/dom';
import { type BurndownGeometry, burndownGeometry, timeLabel } from './burndown';
import { type GroupActions, groupsSection, type GroupsData } from './groups';
import type { Count, OverviewModel } from './model';

// The Job overview's DOM: counts, cost, the change groups (groups.ts), failures by error code (each repository a button that
// opens its log or diff) and the burndown as hand-written SVG with a title, a description and the
// same numbers as a table. Text goes in as text; nothing from a row becomes markup.

export interface OverviewActions extends GroupActions {
  openRepository(repositoryName: string, view: RepositoryView): void;
}

const SVG = 'http://www.w3.org/2000/svg';

function svg(document: Document, tag: string, attributes: Record<string, string | number> = {}): SVGElement {
  const element = document.createElementNS(SVG, tag) as SVGElement;
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
}

function counts(document: Document, id: string, title: string, list: Count[], note?: string): HTMLElement {
  return h(
    document,
    'section',
    { class: 'counts-section', 'aria-labelledby': `${id}-heading` },
    h(document, 'h2', { id: `${id}-heading` }, title),
    note ? h(document, 'p', { class: 'muted' }, note) : undefined,
    h(
      document,
      'dl',
      { class: 'counts', 'data-group': id },
      ...list.map((count) =>
        h(
          document,
          'div',
          { class: `count${count.value === 0 ? ' zero' : ''}`, 'data-key': count.key },
          h(document, 'dt', {}, count.label),
          h(document, 'dd', {}, formatCount(count.value)),
        ),
      ),
    ),
  );
}

function failures(document: Document, model: OverviewModel, actions: OverviewActions): HTMLElement {
  const total = model.failures.reduce((sum, group) => sum + group.repositories.length, 0);
  return h(
    document,
    'section',
    { class: 'failures', 'aria-labelledby': 'failures-heading' },
    h(document, 'h2', { id: 'failures-heading' }, `Failures (${total})`),
    total === 0 ? h(document, 'p', { class: 'muted' }, 'Nothing failed.') : undefined,
    model.failuresNote ? h(document, 'p', { class: 'muted' }, model.failuresNote) : undefined,
    ...model.failures.map((group) =>
      h(
        document,
        'details',
        { class: 'failure-group', open: true, 'data-code': group.code },
        h(
          document,
          'summary',
          {},
          icon(document, 'error'),
          ' ',
          h(document, 'code', {}, group.code),
          ` (${group.repositories.length})`,
        ),
        h(
          document,
          'ul',
          {},
          ...group.repositories.map((repository) => {
            const button = h(
              document,
              'button',
              {
                type: 'button',
                class: 'link',
                title: repository.view === 'diff' ? 'Open its diff' : 'Open its log',
              },
              icon(document, repository.view === 'diff' ? 'diff' : 'output'),
              ' ',
              repository.repositoryName,
            );
            button.addEventListener('click', () => actions.openRepository(repository.repositoryName, repository.view));
            return h(
              document,
              'li',
              {},
              button,
              repository.message
                ? h(document, 'span', { class: 'muted message' }, ` ${oneLine(repository.message)}`)
                : undefined,
            );
          }),
        ),
      ),
    ),
  );
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat;
}

/** The words the chart's <desc> says, for screen readers: where each line ends. */
export function burndownDescription(geometry: BurndownGeometry, points: readonly BurndownPoint[]): string {
  if (points.length === 0) return 'No pull-request counts recorded yet.';
  const ends = geometry.series.map((series) => `${series.last} ${series.label.toLowerCase()}`).join(', ');
  const sorted = [...points].sort((a, b) => a.at.localeCompare(b.at));
  return `${points.length} ${points.length === 1 ? 'point' : 'points'} from ${timeLabel(sorted[0]!.at)} to ${timeLabel(sorted.at(-1)!.at)} (UTC); now ${ends}.`;
}

function chart(document: Document, points: readonly BurndownPoint[]): HTMLElement {
  const geometry = burndownGeometry(points);
  const { box } = geometry;
  const root = svg(document, 'svg', {
    viewBox: `0 0 ${box.width} ${box.height}`,
    role: 'img',
    'aria-labelledby': 'burndown-title burndown-desc',
    class: 'burndown-chart',
  });
  const title = svg(document, 'title', { id: 'burndown-title' });
  title.textContent = 'Pull requests open, merged and closed over time';
  const desc = svg(document, 'desc', { id: 'burndown-desc' });
  desc.textContent = burndownDescription(geometry, points);
  root.append(title, desc);
  const axes = svg(document, 'g', { class: 'axes', 'aria-hidden': 'true' });
  for (const tick of geometry.yTicks) {
    axes.append(
      svg(document, 'line', { class: 'grid', x1: box.left, x2: box.width - box.right, y1: tick.at, y2: tick.at }),
    );
    const label = svg(document, 'text', { x: box.left - 6, y: tick.at + 4, 'text-anchor': 'end' });
    label.textContent = tick.label;
    axes.append(label);
  }
  for (const tick of geometry.xTicks) {
    const label = svg(document, 'text', {
      x: tick.at,
      y: box.height - 8,
      'text-anchor': tick.at === box.left ? 'start' : tick.at >= box.width - box.right ? 'end' : 'middle',
    });
    label.textContent = tick.label;
    axes.append(label);
  }
  root.append(axes);
  for (const series of geometry.series) {
    const group = svg(document, 'g', { class: `series series-${series.key}`, 'data-series': series.key });
    group.append(svg(document, 'path', { d: series.path, fill: 'none' }));
    for (const point of series.points) group.append(svg(document, 'circle', { cx: point.x, cy: point.y, r: 2.5 }));
    root.append(group);
  }
  const legend = h(
    document,
    'ul',
    { class: 'legend' },
    ...geometry.series.map((series) =>
      h(
        document,
        'li',
        { class: `legend-${series.key}` },
        h(document, 'span', { class: 'swatch', 'aria-hidden': 'true' }),
        `${series.label}: ${series.last}`,
      ),
    ),
  );
  const table = h(
    document,
    'details',
    { class: 'burndown-table' },
    h(document, 'summary', {}, 'The burndown as a table'),
    h(
      document,
      'table',
      {},
      h(document, 'caption', {}, 'Pull requests over time (UTC)'),
      h(
        document,
        'thead',
        {},
        h(
          document,
          'tr',
          {},
          ...['Time', 'Open', 'Draft', 'Merged', 'Closed'].map((name) => h(document, 'th', { scope: 'col' }, name)),
        ),
      ),
      h(
        document,
        'tbody',
        {},
        ...[...points]
          .sort((a, b) => a.at.localeCompare(b.at))
          .map((point) =>
            h(
              document,
              'tr',
              {},
              h(document, 'th', { scope: 'row' }, timeLabel(point.at)),
              ...[point.open, point.draft, point.merged, point.closed].map((value) => h(document, 'td', {}, value)),
            ),
          ),
      ),
    ),
  );
  const figure = h(document, 'figure', { class: 'burndown' }, legend, table);
  figure.prepend(root);
  return figure;
}

export function renderOverview(
  root: HTMLElement,
  model: OverviewModel,
  burndown: readonly BurndownPoint[],
  actions: OverviewActions,
  groups: GroupsData = {},
): void {
  const document = root.ownerDocument;
  const { input, output, cacheRead, cacheWrite } = model.tokens;
  // The prompt cache is where a batch saves: its reads and writes are said beside the rest.
  const tokens = `${formatCount(input)} in / ${formatCount(output)} out tokens · cache ${formatCount(cacheRead)} read, ${formatCount(cacheWrite)} written`;
  root.replaceChildren(
    h(
      document,
      'header',
      { class: 'page' },
      h(document, 'h1', {}, `Overview: ${model.jobName}`),
      h(
        document,
        'p',
        { class: 'muted summary' },
        `${model.status} · ${formatCount(model.total)} ${model.total === 1 ? 'repository' : 'repositories'} · `,
        h(
          document,
          'span',
          { class: 'cost', 'aria-label': `cost ${formatCost(model.costUsd)}` },
          formatCost(model.costUsd),
        ),
        ` · ${tokens}`,
      ),
    ),
    counts(document, 'run', 'Run', model.run),
    counts(document, 'review', 'Review', model.review),
    groupsSection(document, groups, actions),
    counts(document, 'pull-requests', 'Pull requests', model.pullRequests),
    counts(document, 'checks', 'Open pull requests', model.checks),
    failures(document, model, actions),
    h(
      document,
      'section',
      { class: 'burndown-section', 'aria-labelledby': 'burndown-heading' },
      h(document, 'h2', { id: 'burndown-heading' }, 'Burndown'),
      burndown.length === 0
        ? h(document, 'p', { class: 'muted' }, 'No pull requests followed yet: publish some, then refresh them.')
        : chart(document, burndown),
    ),
  );
  root.removeAttribute('aria-busy');
}
