// `npm run bench -- profile <file.cpuprofile | folder> [top]`: where a V8 CPU profile (node
// --cpu-prof) spent its time, by self time per function and per package. The benchmarks' header
// comments quote what it printed for them; with a folder, each profile in it (one per process).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  byFunction: [string, number][];
  byPackage: [string, number][];
  /** Time with the package anywhere on the stack (a sample counts once per package). */
  byPackageInclusive: [string, number][];
}

/** The package (or our folder) a script URL belongs to. */
function packageOf(url: string): string {
  if (!url) return '(native)';
  if (url.startsWith('node:')) return 'node';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  const ours = /\/(backend|common|cli|extension|webviews|infra|test|bench|dist)\/([^/]+)/.exec(url);
  return ours ? `${ours[1]}/${ours[2]}` : url;
}

const sourceMaps = new Map<string, SourceMap | undefined>();

/** A bundle's frame (dist/cli.js) as the source file it came from, through the bundle's source map. */
function originalUrl(frame: ProfileNode['callFrame']): string {
  if (!frame.url.includes('/dist/')) return frame.url;
  if (!sourceMaps.has(frame.url)) {
    const file = frame.url.startsWith('file:') ? fileURLToPath(frame.url) : frame.url;
    sourceMaps.set(
      frame.url,
      existsSync(`${file}.map`) ? new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8'))) : undefined,
    );
  }
  const entry = sourceMaps.get(frame.url)?.findEntry(frame.lineNumber, frame.columnNumber) as
    | { originalSource?: string }
    | undefined;
  return entry?.originalSource ?? frame.url;
}

export function summarize(profile: CpuProfile, top = 25): ProfileSummary {
  for (const node of profile.nodes) node.callFrame.url = originalUrl(node.callFrame);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  // The packages on each node's stack, the node's own first.
  const stackPackages = new Map<number, Set<string>>();
  const packagesOf = (id: number): Set<string> => {
    let set = stackPackages.get(id);
    if (set) return set;
    const up = parent.get(id);
    set = new Set(up === undefined ? [] : packagesOf(up));
    const url = byId.get(id)!.callFrame.url;
    if (url) set.add(packageOf(url));
    stackPackages.set(id, set);
    return set;
  };
  const inclusive = new Map<string, number>();
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  const functions = new Map<string, number>();
  const packages = new Map<string, number>();
  let idleMs = 0;
  let totalMs = 0;
  for (const [id, ms] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    totalMs += ms;
    if (functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    const name = `${functionName || '(anonymous)'} ${url ? `${path.basename(url)}:${lineNumber + 1}` : ''}`.trim();
    functions.set(name, (functions.get(name) ?? 0) + ms);
    const pkg = packageOf(url);
    packages.set(pkg, (packages.get(pkg) ?? 0) + ms);
    for (const onStack of packagesOf(id)) inclusive.set(onStack, (inclusive.get(onStack) ?? 0) + ms);
  }
  const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]).slice(0, top);
  return {
    totalMs,
    idleMs,
    byFunction: sorted(functions),
    byPackage: sorted(packages),
    byPackageInclusive: sorted(inclusive),
  };
}

export function printSummary(label: string, summary: ProfileSummary): void {
  const busy = summary.totalMs - summary.idleMs;
  console.log(`${label}: ${busy.toFixed(0)} ms busy of ${summary.totalMs.toFixed(0)} ms sampled`);
  const line = ([name, ms]: [string, number]) =>
    console.log(`  ${ms.toFixed(0).padStart(7)} ms ${((ms / busy) * 100).toFixed(1).padStart(5)}%  ${name}`);
  console.log('  by package (self time)');
  summary.byPackage.forEach(line);
  console.log('  by package (inclusive: on the stack)');
  summary.byPackageInclusive.forEach(line);
  console.log('  by function (self time)');
  summary.byFunction.forEach(line);
}

export async function main(args: string[]): Promise<void> {
  const [target, topText] = args;
  if (!target) {
    console.error('Usage: npm run bench -- profile <file.cpuprofile | folder> [top]');
    process.exitCode = 2;
    return;
  }
  const files = statSync(target).isDirectory()
    ? readdirSync(target)
        .filter((file) => file.endsWith('.cpuprofile'))
        .map((file) => path.join(target, file))
    : [target];
  for (const file of files)
    printSummary(path.basename(file), summarize(JSON.parse(readFileSync(file, 'utf8')), Number(topText ?? 25)));
}
