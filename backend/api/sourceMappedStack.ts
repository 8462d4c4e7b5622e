import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

// The Lambdas' stack traces in the sources' terms, read from the bundles' source maps (dist/lambda/
// *.mjs.map, deployed beside them) only when an error is logged: `--enable-source-maps` read and
// parsed the maps of every chunk as it loaded, at every cold start, for the few that ever fail.

const maps = new Map<string, SourceMap | null>();

function mapOf(url: string): SourceMap | null {
  let map = maps.get(url);
  if (map === undefined) {
    try {
      map = new SourceMap(JSON.parse(readFileSync(`${fileURLToPath(url)}.map`, 'utf8')));
    } catch {
      map = null; // no map beside it (or not ours): the frame stays as it is
    }
    maps.set(url, map);
  }
  return map;
}

/** A stack trace with each frame of a bundle that has a source map turned into its source's file, line and column. */
export function sourceMappedStack(stack: string): string {
  return stack.replace(
    /(file:\/\/[^\s()]+?\.m?js):(\d+):(\d+)/g,
    (frame, url: string, line: string, column: string) => {
      const entry = mapOf(url)?.findEntry(Number(line) - 1, Number(column) - 1) as
        | { originalSource?: string; originalLine?: number; originalColumn?: number }
        | undefined;
      if (!entry?.originalSource) return frame;
      return `${entry.originalSource}:${entry.originalLine! + 1}:${entry.originalColumn! + 1}`;
    },
  );
}

/** The error, its stack (and its cause's) source-mapped, for a log line. */
export function sourceMappedError<T>(value: T): T {
  if (!(value instanceof Error)) return value;
  if (value.stack) value.stack = sourceMappedStack(value.stack);
  if (value.cause instanceof Error) sourceMappedError(value.cause);
  return value;
}
