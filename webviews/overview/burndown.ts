import type { BurndownPoint } from '../../common/schemas';

// The burndown chart's geometry: the pull requests open (drafts included), merged and closed over
// time, as SVG paths in a box, with the axes' ticks. Pure and browser-safe; render.ts draws it.

export const SERIES = [
  { key: 'open', label: 'Open', value: (point: BurndownPoint) => point.open + point.draft },
  { key: 'merged', label: 'Merged', value: (point: BurndownPoint) => point.merged },
  { key: 'closed', label: 'Closed', value: (point: BurndownPoint) => point.closed },
] as const;
export type SeriesKey = (typeof SERIES)[number]['key'];

export interface ChartBox {
  width: number;
  height: number;
  /** Room for the axes' labels. */
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export const DEFAULT_BOX: ChartBox = { width: 640, height: 240, left: 40, right: 12, top: 12, bottom: 28 };

export interface SeriesGeometry {
  key: SeriesKey;
  label: string;
  /** `M x y L x y …`, empty with no points. */
  path: string;
  points: { x: number; y: number; value: number }[];
  last: number;
}

export interface Tick {
  at: number;
  label: string;
}

export interface BurndownGeometry {
  box: ChartBox;
  series: SeriesGeometry[];
  xTicks: Tick[];
  yTicks: Tick[];
  max: number;
}

const round = (value: number) => Math.round(value * 10) / 10;

/** Whole-number ticks from 0 to at least `max`: at most five, in steps of 1, 2, 5, 10, 20, 50…. */
export function valueTicks(max: number): number[] {
  const top = Math.max(1, max);
  const steps = [1, 2, 5];
  for (let scale = 1; ; scale *= 10)
    for (const step of steps.map((s) => s * scale))
      if (Math.ceil(top / step) <= 4) return Array.from({ length: Math.ceil(top / step) + 1 }, (_, i) => i * step);
}

/** A time as `Dec 4, 14:05` (UTC, so the chart reads the same anywhere). */
export function timeLabel(iso: string): string {
  const date = new Date(iso);
  const month = date.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const hh = String(date.getUTCHours()).padStart(2, '0');
  const mm = String(date.getUTCMinutes()).padStart(2, '0');
  return `${month} ${date.getUTCDate()}, ${hh}:${mm}`;
}

/**
 * Points left to right by time (evenly when every point has the same time), values bottom to top
 * from 0 to the top tick. One point draws as a level line across the box.
 */
export function burndownGeometry(points: readonly BurndownPoint[], box: ChartBox = DEFAULT_BOX): BurndownGeometry {
  const sorted = [...points].sort((a, b) => a.at.localeCompare(b.at));
  const times = sorted.map((point) => Date.parse(point.at));
  const first = times[0] ?? 0;
  const span = (times.at(-1) ?? 0) - first;
  const max = Math.max(0, ...sorted.flatMap((point) => SERIES.map((series) => series.value(point))));
  const ticks = valueTicks(max);
  const top = ticks.at(-1)!;
  const plotWidth = box.width - box.left - box.right;
  const plotHeight = box.height - box.top - box.bottom;
  const xOf = (index: number) => {
    if (sorted.length === 1) return box.left + plotWidth / 2;
    const share = span > 0 ? (times[index]! - first) / span : index / (sorted.length - 1);
    return round(box.left + share * plotWidth);
  };
  const yOf = (value: number) => round(box.top + plotHeight - (value / top) * plotHeight);
  const series = SERIES.map((spec) => {
    let coordinates = sorted.map((point, index) => ({
      x: xOf(index),
      y: yOf(spec.value(point)),
      value: spec.value(point),
    }));
    if (coordinates.length === 1) {
      const only = coordinates[0]!;
      coordinates = [
        { ...only, x: box.left },
        { ...only, x: box.left + plotWidth },
      ];
    }
    const path = coordinates.map((point, index) => `${index === 0 ? 'M' : 'L'}${point.x} ${point.y}`).join(' ');
    return {
      key: spec.key,
      label: spec.label,
      path,
      points: coordinates,
      last: sorted.length > 0 ? spec.value(sorted.at(-1)!) : 0,
    };
  });
  const xTicks =
    sorted.length === 0
      ? []
      : sorted.length === 1 || span === 0
        ? [{ at: box.left + plotWidth / 2, label: timeLabel(sorted[0]!.at) }]
        : [
            { at: box.left, label: timeLabel(sorted[0]!.at) },
            { at: box.left + plotWidth, label: timeLabel(sorted.at(-1)!.at) },
          ];
  return {
    box,
    series,
    xTicks,
    yTicks: ticks.map((value) => ({ at: yOf(value), label: String(value) })),
    max,
  };
}
