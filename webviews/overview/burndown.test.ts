import assert from 'node:assert/strict';
import { burndownGeometry, DEFAULT_BOX, timeLabel, valueTicks } from './burndown';

const point = (at: string, open: number, merged: number, closed = 0, draft = 0) => ({
  at,
  open,
  draft,
  merged,
  closed,
});

describe('Job overview: the burndown’s geometry', () => {
  const box = { width: 200, height: 100, left: 20, right: 0, top: 0, bottom: 20 };

  it('places points by time left to right and values bottom to top, drafts counted as open', () => {
    const geometry = burndownGeometry(
      [
        point('2026-12-04T12:00:00Z', 0, 3, 1),
        point('2026-12-04T10:00:00Z', 3, 0, 0, 1),
        point('2026-12-04T11:00:00Z', 2, 2),
      ],
      box,
    );
    assert.equal(geometry.max, 4);
    assert.deepEqual(
      geometry.yTicks.map((tick) => tick.label),
      ['0', '1', '2', '3', '4'],
    );
    const open = geometry.series.find((series) => series.key === 'open')!;
    // The plot is x 20..200 and y 0..80; the top tick (4) is y 0.
    assert.equal(open.path, 'M20 0 L110 40 L200 80');
    assert.equal(open.last, 0);
    const merged = geometry.series.find((series) => series.key === 'merged')!;
    assert.equal(merged.path, 'M20 80 L110 40 L200 20');
    assert.deepEqual(
      geometry.xTicks.map((tick) => [tick.at, tick.label]),
      [
        [20, 'Dec 4, 10:00'],
        [200, 'Dec 4, 12:00'],
      ],
    );
  });

  it('draws one point as a level line across, and nothing at all without points', () => {
    const one = burndownGeometry([point('2026-12-04T10:00:00Z', 2, 0)], box);
    assert.equal(one.series[0]!.path, 'M20 0 L200 0');
    assert.equal(one.xTicks.length, 1);
    const empty = burndownGeometry([], DEFAULT_BOX);
    assert.ok(empty.series.every((series) => series.path === ''));
    assert.deepEqual(empty.xTicks, []);
  });

  it('spreads points of the same time evenly', () => {
    const same = burndownGeometry([point('2026-12-04T10:00:00Z', 1, 0), point('2026-12-04T10:00:00Z', 0, 1)], box);
    assert.deepEqual(
      same.series[0]!.points.map((p) => p.x),
      [20, 200],
    );
  });

  it('chooses at most five round ticks', () => {
    assert.deepEqual(valueTicks(0), [0, 1]);
    assert.deepEqual(valueTicks(7), [0, 2, 4, 6, 8]);
    assert.deepEqual(valueTicks(100), [0, 50, 100]);
    assert.deepEqual(valueTicks(1234), [0, 500, 1000, 1500]);
    assert.equal(timeLabel('2026-01-09T03:04:00Z'), 'Jan 9, 03:04');
  });
});
